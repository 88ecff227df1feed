package standard

// EventType is the X.733/X.736 category of a probable cause (table 4.1-2).
type EventType string

// The event types of table 4.1-2.
const (
	CommunicationsAlarm                 EventType = "COMMUNICATIONS_ALARM"
	ProcessingErrorAlarm                EventType = "PROCESSING_ERROR_ALARM"
	EnvironmentalAlarm                  EventType = "ENVIRONMENTAL_ALARM"
	QoSAlarm                            EventType = "QOS_ALARM"
	EquipmentAlarm                      EventType = "EQUIPMENT_ALARM"
	IntegrityViolation                  EventType = "INTEGRITY_VIOLATION"
	OperationalViolation                EventType = "OPERATIONAL_VIOLATION"
	PhysicalViolation                   EventType = "PHYSICAL_VIOLATION"
	SecurityServiceOrMechanismViolation EventType = "SECURITY_SERVICE_OR_MECHANISM_VIOLATION"
	TimeDomainViolation                 EventType = "TIME_DOMAIN_VIOLATION"
)

// ProbableCause is one standard probable cause.
type ProbableCause struct {
	// Code is the probableCauseId the spec names, e.g. "NODE_DOWN" (Observation.ProbableCause).
	Code        string
	Description string
	EventType   EventType
	// ObjectClass is the object the cause is associated with.
	ObjectClass ObjectClass
	Reference   StandardReference
}

// ID is the cause's probableCauseId UUID.
func (p ProbableCause) ID() string { return ProbableCauseID(p.Code) }

// The probable cause codes of table 4.3-1, spelt exactly as the spec spells them: an SMO that
// matches on the spec's identifiers must find them, so the spec's two misspellings
// (STORAGE_CONFIGURAION, NETWORK_CONNECTVITY_SIGNAL) are kept.
const (
	ClusterCommunication        = "CLUSTER_COMMUNICATION"
	CertificateExpiration       = "CERTIFICATE_EXPIRATION"
	CPUBus                      = "CPU_BUS"
	CPUConfiguration            = "CPU_CONFIGURATION"
	CPUDown                     = "CPU_DOWN"
	CPUProtocol                 = "CPU_PROTOCOL"
	CPUTemperature              = "CPU_TEMPERATURE"
	CPUThrottling               = "CPU_THROTTLING"
	HostOSError                 = "HOST_OS_ERROR"
	MemoryBitError              = "MEMORY_BIT_ERROR"
	MemoryConfiguration         = "MEMORY_CONFIGURATION"
	MemoryECC                   = "MEMORY_ECC"
	MemoryRedundancy            = "MEMORY_REDUNDANCY"
	MemoryState                 = "MEMORY_STATE"
	MemoryTemperature           = "MEMORY_TEMPERATURE"
	InfraComponentMaintenance   = "INFRA_COMPONENT_MAINTENANCE"
	InfraComponentPowerOutage   = "INFRA_COMPONENT_POWER_OUTAGE"
	NICCable                    = "NIC_CABLE"
	NICConfiguration            = "NIC_CONFIGURATION"
	NICDown                     = "NIC_DOWN"
	NICLinkDown                 = "NIC_LINK_DOWN"
	NICLinkTuning               = "NIC_LINK_TUNING"
	NICPCIError                 = "NIC_PCI_ERROR"
	NICPCIParityError           = "NIC_PCI_PARITY_ERROR"
	NICPCIeError                = "NIC_PCIE_ERROR"
	NICReceiveFailure           = "NIC_RECEIVE_FAILURE"
	NICTransmitFailure          = "NIC_TRANSMIT_FAILURE"
	NodeDown                    = "NODE_DOWN"
	ProcessorSensor             = "PROCESSOR_SENSOR"
	StorageBitError             = "STORAGE_BIT_ERROR"
	StorageBlockError           = "STORAGE_BLOCK_ERROR"
	StorageCache                = "STORAGE_CACHE"
	StorageCapacity             = "STORAGE_CAPACITY"
	StorageCheck                = "STORAGE_CHECK"
	StorageCommunication        = "STORAGE_COMMUNICATION"
	StorageConfiguraion         = "STORAGE_CONFIGURAION"
	StorageController           = "STORAGE_CONTROLLER"
	StorageDown                 = "STORAGE_DOWN"
	StorageDriveArray           = "STORAGE_DRIVE_ARRAY"
	StorageECC                  = "STORAGE_ECC"
	StorageEnclosure            = "STORAGE_ENCLOSURE"
	StorageFailurePrediction    = "STORAGE_FAILURE_PREDICTION"
	StorageMemory               = "STORAGE_MEMORY"
	StoragePhysicalDiskDegraded = "STORAGE_PHYSICAL_DISK_DEGRADED"
	StoragePhysicalDiskState    = "STORAGE_PHYSICAL_DISK_STATE"
	StoragePower                = "STORAGE_POWER"
	StorageRebuild              = "STORAGE_REBUILD"
	StorageRedundancy           = "STORAGE_REDUNDANCY"
	StorageSCSI                 = "STORAGE_SCSI"
	StorageSensor               = "STORAGE_SENSOR"
	StorageSMART                = "STORAGE_SMART"
	StorageTemperature          = "STORAGE_TEMPERATURE"
	StorageVirtualDiskDegraded  = "STORAGE_VIRTUAL_DISK_DEGRADED"
	StorageVirtualDiskState     = "STORAGE_VIRTUAL_DISK_STATE"
	SystemLicenseExpiration     = "SYSTEM_LICENSE_EXPIRATION"
	NetworkConfiguration        = "NETWORK_CONFIGURATION"
	NetworkConnectvitySignal    = "NETWORK_CONNECTVITY_SIGNAL"
	NetworkCPUOverload          = "NETWORK_CPU_OVERLOAD"
	NetworkMemoryOverload       = "NETWORK_MEMORY_OVERLOAD"
	NetworkOverload             = "NETWORK_OVERLOAD"
	NetworkPacketLoss           = "NETWORK_PACKET_LOSS"
	NetworkQoS                  = "NETWORK_QOS"
)

// ProbableCauses returns the probable causes of table 4.3-1 in the table's order.
func ProbableCauses() []ProbableCause {
	ref := Clause4()
	causes := []ProbableCause{
		{Code: ClusterCommunication, ObjectClass: NodeCluster, EventType: CommunicationsAlarm, Description: "Event related to the communication within the O-Cloud Node Cluster between O-Cloud Nodes."},
		{Code: CertificateExpiration, ObjectClass: Node, EventType: ProcessingErrorAlarm, Description: "Event related to expiration of certificate(s) for the O-Cloud Node."},
		{Code: CPUBus, ObjectClass: Node, EventType: EquipmentAlarm, Description: "Event related to buses of a CPU resource associated to the O-Cloud Node."},
		{Code: CPUConfiguration, ObjectClass: Node, EventType: ProcessingErrorAlarm, Description: "Configuration related event or state change on a CPU resource associated to the O-Cloud Node."},
		{Code: CPUDown, ObjectClass: Node, EventType: EquipmentAlarm, Description: "CPU resource associated to the O-Cloud Node is down/not available."},
		{Code: CPUProtocol, ObjectClass: Node, EventType: ProcessingErrorAlarm, Description: "Event related to CPU protocol, e.g. initialization procedure, state transitions, etc., on a CPU resource associated to the O-Cloud Node."},
		{Code: CPUTemperature, ObjectClass: Node, EventType: EnvironmentalAlarm, Description: "Event related to the temperature on a CPU resource associated to the O-Cloud Node."},
		{Code: CPUThrottling, ObjectClass: Node, EventType: EquipmentAlarm, Description: "Throttling related event or state change on a CPU resource associated to the O-Cloud Node."},
		{Code: HostOSError, ObjectClass: Node, EventType: ProcessingErrorAlarm, Description: "Event related to processing failure in the host OS of the O-Cloud Node."},
		{Code: MemoryBitError, ObjectClass: Node, EventType: ProcessingErrorAlarm, Description: "Event related to single/multiple bit errors of the memory resource associated to the O-Cloud Node."},
		{Code: MemoryConfiguration, ObjectClass: Node, EventType: ProcessingErrorAlarm, Description: "Event related to configuration of the memory resource associated to the O-Cloud Node."},
		{Code: MemoryECC, ObjectClass: Node, EventType: ProcessingErrorAlarm, Description: "Event related to changes in states or rates concerning Error Correction Code (ECC) of the memory resource associated to the O-Cloud Node."},
		{Code: MemoryRedundancy, ObjectClass: Node, EventType: EquipmentAlarm, Description: "Event related to redundancy configuration of the memory resource associated to the O-Cloud Node."},
		{Code: MemoryState, ObjectClass: Node, EventType: ProcessingErrorAlarm, Description: "Event related to change of state on the memory resource associated to the O-Cloud Node."},
		{Code: MemoryTemperature, ObjectClass: Node, EventType: EnvironmentalAlarm, Description: "Event related to the temperature of memory resource associated to the O-Cloud Node."},
		{Code: InfraComponentMaintenance, ObjectClass: Node, EventType: EquipmentAlarm, Description: "Event related to maintenance of an infrastructure component associated to the O-Cloud Node."},
		{Code: InfraComponentPowerOutage, ObjectClass: Node, EventType: EquipmentAlarm, Description: "Event related to power outage of an infrastructure component associated to the O-Cloud Node."},
		{Code: NICCable, ObjectClass: Node, EventType: EquipmentAlarm, Description: "Event related to cabling/connection of the network interface associated to the O-Cloud Node."},
		{Code: NICConfiguration, ObjectClass: Node, EventType: ProcessingErrorAlarm, Description: "Event related to a configuration of the network interface associated to the O-Cloud Node."},
		{Code: NICDown, ObjectClass: Node, EventType: EquipmentAlarm, Description: "Event related to the NIC associated to the O-Cloud Node is down/not available."},
		{Code: NICLinkDown, ObjectClass: Node, EventType: CommunicationsAlarm, Description: "Event related to a link down on the network interface associated to the O-Cloud Node."},
		{Code: NICLinkTuning, ObjectClass: Node, EventType: CommunicationsAlarm, Description: "Event related to link tuning of the network interface associated to the O-Cloud Node."},
		{Code: NICPCIError, ObjectClass: Node, EventType: EquipmentAlarm, Description: "Event related to a component of a Peripheral Component Interconnect (PCI) device of the network interface associated to the O-Cloud Node."},
		{Code: NICPCIParityError, ObjectClass: Node, EventType: ProcessingErrorAlarm, Description: "Event related to PCI parity errors of the network interface associated to the O-Cloud Node."},
		{Code: NICPCIeError, ObjectClass: Node, EventType: EquipmentAlarm, Description: "Event related to a component of a PCI Express (PCIE) device of the network interface associated to the O-Cloud Node."},
		{Code: NICReceiveFailure, ObjectClass: Node, EventType: EquipmentAlarm, Description: "Event related to errors in the reception of packet/frames by the network interface associated to the O-Cloud Node."},
		{Code: NICTransmitFailure, ObjectClass: Node, EventType: EquipmentAlarm, Description: "Event related to errors in the transmission of packet/frames by the network interface associated to the O-Cloud Node."},
		{Code: NodeDown, ObjectClass: Node, EventType: EquipmentAlarm, Description: "Event related to the virtual compute or bare-metal machine associated to the O-Cloud Node is down/not available."},
		{Code: ProcessorSensor, ObjectClass: Node, EventType: EquipmentAlarm, Description: "Sensor related event or state change on a processor resource associated to the O-Cloud Node."},
		{Code: StorageBitError, ObjectClass: Node, EventType: ProcessingErrorAlarm, Description: "Event related to single/multiple bit errors on the storage resource associated to the O-Cloud Node."},
		{Code: StorageBlockError, ObjectClass: Node, EventType: ProcessingErrorAlarm, Description: "Event related to bad blocks on the storage resource associated to the O-Cloud Node."},
		{Code: StorageCache, ObjectClass: Node, EventType: EquipmentAlarm, Description: "Event related to the cache of the storage resource associated to the O-Cloud Node."},
		{Code: StorageCapacity, ObjectClass: Node, EventType: QoSAlarm, Description: "Event related to capacity (such as shortage) of the storage resource associated to the O-Cloud Node."},
		{Code: StorageCheck, ObjectClass: Node, EventType: ProcessingErrorAlarm, Description: "Event related to consistency checks on a storage resource associated to the O-Cloud Node."},
		{Code: StorageCommunication, ObjectClass: Node, EventType: EquipmentAlarm, Description: "Event related to the communication to/from the storage resource associated to the O-Cloud Node."},
		{Code: StorageConfiguraion, ObjectClass: Node, EventType: ProcessingErrorAlarm, Description: "Event related to the configuration of the storage associated to the O-Cloud Node."},
		{Code: StorageController, ObjectClass: Node, EventType: EquipmentAlarm, Description: "Event related to the controller of the storage resource associated to the O-Cloud Node."},
		{Code: StorageDown, ObjectClass: Node, EventType: ProcessingErrorAlarm, Description: "Storage resource associated to the O-Cloud Node is down/not available."},
		{Code: StorageDriveArray, ObjectClass: Node, EventType: EquipmentAlarm, Description: "Event related to storage's drive array associated to the O-Cloud Node."},
		{Code: StorageECC, ObjectClass: Node, EventType: ProcessingErrorAlarm, Description: "Event related to changes in states or rates concerning Error Correction Code (ECC) of the storage or memory resources associated to the O-Cloud Node."},
		{Code: StorageEnclosure, ObjectClass: Node, EventType: EnvironmentalAlarm, Description: "Event related to the enclosure of the storage resource associated to the O-Cloud Node."},
		{Code: StorageFailurePrediction, ObjectClass: Node, EventType: ProcessingErrorAlarm, Description: "Event related to a predictive failure confirmed on a storage resource associated to the O-Cloud Node."},
		{Code: StorageMemory, ObjectClass: Node, EventType: ProcessingErrorAlarm, Description: "Event related memory resources of the storage resource associated to the O-Cloud Node."},
		{Code: StoragePhysicalDiskDegraded, ObjectClass: Node, EventType: QoSAlarm, Description: "Event related to the performance on a physical disk resource associated to the O-Cloud Node."},
		{Code: StoragePhysicalDiskState, ObjectClass: Node, EventType: ProcessingErrorAlarm, Description: "The state has changed on a physical disk resource associated to the O-Cloud Node."},
		{Code: StoragePower, ObjectClass: Node, EventType: ProcessingErrorAlarm, Description: "Event related to power supply and/or power status of the storage resource associated to the O-Cloud Node."},
		{Code: StorageRebuild, ObjectClass: Node, EventType: ProcessingErrorAlarm, Description: "Event related to the rebuild process of the storage resource associated to the O-Cloud Node."},
		{Code: StorageRedundancy, ObjectClass: Node, EventType: EquipmentAlarm, Description: "Event related to redundancy configuration of the storage resource associated to the O-Cloud Node."},
		{Code: StorageSCSI, ObjectClass: Node, EventType: EquipmentAlarm, Description: "Event related to the Small Computer System Interface (SCSI) of the storage resource associated to the O-Cloud Node."},
		{Code: StorageSensor, ObjectClass: Node, EventType: EquipmentAlarm, Description: "Event or state change related to sensor of the storage resource associated to the O-Cloud Node."},
		{Code: StorageSMART, ObjectClass: Node, EventType: EquipmentAlarm, Description: "Event related to the Self-Monitoring Analysis and Reporting Technology (SMART) feature of the storage resource associated to the O-Cloud Node."},
		{Code: StorageTemperature, ObjectClass: Node, EventType: EnvironmentalAlarm, Description: "Event related to the temperature of the storage resource associated to the O-Cloud Node."},
		{Code: StorageVirtualDiskDegraded, ObjectClass: Node, EventType: QoSAlarm, Description: "Event related to the performance on a virtual disk resource associated to the O-Cloud Node."},
		{Code: StorageVirtualDiskState, ObjectClass: Node, EventType: ProcessingErrorAlarm, Description: "The state has changed on a virtual disk resource associated to the O-Cloud Node."},
		{Code: SystemLicenseExpiration, ObjectClass: Node, EventType: ProcessingErrorAlarm, Description: "Event related to expiration of a license applicable to the O-Cloud Node."},
		{Code: NetworkConfiguration, ObjectClass: SiteNetwork, EventType: ProcessingErrorAlarm, Description: "Event related to configuration issues with a network resource associated to the O-Cloud Node Cluster Site Network."},
		{Code: NetworkConnectvitySignal, ObjectClass: SiteNetwork, EventType: CommunicationsAlarm, Description: "Event related to loss or changes in the connectivity signal provided/supported by a network resource associated to the O-Cloud Node Cluster Site Network."},
		{Code: NetworkCPUOverload, ObjectClass: SiteNetwork, EventType: ProcessingErrorAlarm, Description: "Event related to overload in the CPU/compute subsystems of a network resource associated to the O-Cloud Node Cluster Site Network."},
		{Code: NetworkMemoryOverload, ObjectClass: SiteNetwork, EventType: ProcessingErrorAlarm, Description: "Event related to overload in the memory subsystems of a network resource associated to the O-Cloud Node Cluster Site Network."},
		{Code: NetworkOverload, ObjectClass: SiteNetwork, EventType: QoSAlarm, Description: "Event related to overload network input/output on a network resource associated to the O-Cloud Node Cluster Site Network."},
		{Code: NetworkPacketLoss, ObjectClass: SiteNetwork, EventType: CommunicationsAlarm, Description: "Event related to packet loss experienced on a network resource associated to the O-Cloud Node Cluster Site Network."},
		{Code: NetworkQoS, ObjectClass: SiteNetwork, EventType: QoSAlarm, Description: "Event related to degradation of QoS levels of a network resource associated to the O-Cloud Node Cluster Site Network."},
	}
	for i := range causes {
		causes[i].Reference = ref
	}
	return causes
}

// LookupProbableCause returns the standard probable cause code.
func LookupProbableCause(code string) (ProbableCause, bool) {
	for _, p := range ProbableCauses() {
		if p.Code == code {
			return p, true
		}
	}
	return ProbableCause{}, false
}
