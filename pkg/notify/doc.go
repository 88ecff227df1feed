// Package notify is the O2-IMS notifier: it turns every change of an inventory object into
// InventoryChangeNotification POSTs to the callback of every matching InventorySubscription
// (a MODIFY only when the object's O2 document in the subscription's version changed: a write
// the O2 face does not show, a label or status it leaves out, is no change to an SMO),
// every change of an alarm (AlarmEventRecord) into AlarmEventNotification POSTs to the
// callback of every matching AlarmSubscription, and the notified changes of an o2dms.oran.org
// NfDeployment into NfDeploymentChangeNotification POSTs to the callback of every matching
// NfDeploymentSubscription, through a durable per-subscription queue in Redis.
//
// # Pipeline
//
// One watcher per notified kind (the inventory kinds and AlarmEventRecord) lists and watches
// the kind through netweave's loopback client.
// For each change it builds the notification of every subscription that should see it and, in
// one Redis transaction, appends them to the subscriptions' queues (one Redis Stream each),
// records the object's new state and advances the kind's cursor (its last processed
// resourceVersion). A crash therefore never leaves a change half-queued: after a restart the
// watch resumes from the cursor; when the server answers 410 Gone the watcher lists the kind
// and emits CREATE/MODIFY/DELETE for every difference from the state it recorded. On the very
// first start (no recorded state) the list is the baseline and nothing is sent for it.
//
// One delivery worker per subscription POSTs its queue in order, removing an entry only once
// the callback answered 2xx, with exponential backoff and full jitter between attempts and a
// maximum age after which an entry is dropped.
//
// A queue is also bounded by the bytes of its bodies (--notifier-queue-bytes) and by count
// (--notifier-queue-length). The commit script that appends to it keeps each queue's byte
// count beside it (a hash, {P:notify}:qbytes) and, when an entry would exceed a bound, deletes
// the oldest entries first, a few at a time, until it fits: same round trip, no read of the
// whole queue, the remaining entries in their order. An entry whose body alone exceeds the
// byte bound is not queued (the rest of its change is committed). Removals (delivery, expiry)
// take their bytes off the count; an entry already gone counts nothing, and an empty queue
// counts zero. Every drop (expired, queue_full, too_large) is counted in
// netweave_notifier_dropped_total{reason} and in the subscription's status.dropped, written
// as soon as a failure is, once: an entry its worker already delivered or dropped, which only
// waits for its removal (below), is evicted first like any other and counts as nothing; a worker whose queue lost entries reads it again rather than
// deliver from memory what Redis no longer holds. Only a notification already being POSTed
// when it is dropped may still arrive (and is counted as dropped). Delivery is at least once: a notification whose
// POST succeeded just before a crash is sent again; receivers deduplicate by notificationId,
// which is derived from the subscription, the object, the object's resourceVersion and the
// store's epoch (below: a rollback makes resourceVersions again, for other changes) and so is
// the same on every delivery and every re-emission.
//
// Redis is the source of truth; memory only spares Redis reads. Once a commit has landed, its
// entries (with their stream ids) are handed to their workers in commit order, so a worker that
// has read its queue delivers what is committed after that from memory. A commit that failed
// (it may have landed anyway), a worker holding too many entries, or ten seconds without news
// make the worker read its queue again, after the last stream id it delivered. Delivered
// entries are removed by one background acknowledger, many per Redis pipeline; a removal lost
// in a crash means a redelivery, never a gap.
//
// A subscription's status is written one --notifier-status-interval after a failure or a
// recovery, and its progress (deliveries, queue depth) at most every ten intervals.
//
// Every subscription kind goes through the same machinery (subscriptionKind): each kind has its
// informer and its set of workers, and a change goes to the set of its family only (inventory
// kinds to InventorySubscriptions, alarms to AlarmSubscriptions, NfDeployments to
// NfDeploymentSubscriptions, ProvisioningRequests to ProvisioningRequestSubscriptions). Queues,
// delivery, retries, signing, the callback checks, tenancy and the status are shared code;
// the other kinds' status has InventorySubscription's shape.
//
// # Subscriptions the notifier learns of late
//
// The notifier learns of a subscription through its own watch, which may lag the kind watchers:
// a change made right after an SMO's POST may be processed before the subscription joined the
// notifier's set. So the notifier keeps a history of the changes it processed recently (the
// last 10,000 and none older than ten minutes, whichever is fewer) and, when a subscription
// joins, queues for it every change of the history whose resourceVersion is above the
// subscription's (the one the notifier first sees it with: its creation, unless it was changed
// before the notifier saw it). netweave's resourceVersions are one revision counter over all
// kinds, so they order changes of different kinds too. The replay applies the filter and
// tenancy rules below, goes through the same path as live changes (Redis first, then the
// worker), in resourceVersion order, and ahead of any live change for the subscription. Joining
// the set, reading the history and committing a change (then recording it in the history) are
// serialized, so each change reaches a subscription once, either replayed or live; a change
// whose fan-out started before the subscription joined is fanned out to it at commit. Changes
// processed before a subscription's creation are not replayed to it.
//
// When the history does not reach back to a subscription's resourceVersion (the notifier saw
// the subscription long after its creation, or it was created before this notifier took over
// or before a kind's baseline), the notifier logs it and counts
// netweave_notifier_replay_uncovered_total, and replays what it has. On start the notifier
// loads every subscription before any kind watcher resumes, so changes made while no notifier
// ran go to the subscriptions that existed when it starts. What remains uncovered is a
// subscription created moments before a notifier crash whose changes that notifier processed
// without knowing it: the history is memory only. A deletion found by a re-list after 410 Gone
// happened at a revision the notifier does not know, between the object's last resourceVersion
// and the list: it is placed at the list ("<list resourceVersion>-gone-<last resourceVersion>"),
// so that every subscription created before the list receives it (one created after the
// deletion but before the list receives the DELETE of an object its own listing did not show).
// An object the re-list finds replaced by a namesake is deleted at the namesake's
// resourceVersion ("<namesake's>-gone-<last>"), just before the namesake's CREATE.
//
// # When the store loses its data
//
// A Redis that restarted without persistence, a FLUSHALL or a failover to a lagging replica
// takes the notifier's cursors, recorded states and queues with the inventory, and restarts the
// revision counter. The notifier keeps a random epoch key among its own keys, created when
// missing: every watcher reads it before each re-list (the store ends every watch with 410
// Gone on a wipe; a cursor the store has not reached, "too large resource version", counts as
// Gone too), and a different value, or a list whose resourceVersion is below the cursor (a
// rollback, which then gets a new epoch), makes the kind re-baseline, five seconds later so that
// the inventory sync has re-created what the cluster still has (an object it re-creates later
// is notified as a DELETE, then a CREATE):
//
//   - what the notifier last processed of the kind, which it still holds in memory, is compared
//     by namespace/name with the list: a name only remembered is a DELETE, only listed a
//     CREATE, in both with a different content a MODIFY (uid, resourceVersion, creation time
//     and generation, which a re-creation changes, do not count), in both unchanged nothing.
//     So what the inventory sync re-creates as it was is not notified, and what nobody
//     re-created (made by hand, or gone from the cluster meanwhile) is deleted;
//   - these go, through the ordinary path (filter, tenancy, queue), to the subscriptions the
//     notifier has at that moment, at least once. Their notificationIds are derived as usual;
//     a DELETE's resourceVersion is "<list resourceVersion>-gone-<last resourceVersion>", so it
//     is placed at the re-baseline for replays and its id is unlike any other deletion's;
//   - the list becomes the recorded state and its resourceVersion the cursor, whatever the old
//     cursor was, and the replay history is emptied (its resourceVersions belong to the old
//     store): live notifications resume from there.
//
// Subscriptions are objects of the wiped store too. One that is missing once the store went
// back (its worker joined in an earlier epoch) is lost, not deleted by its owner: the notifier
// does not re-create it (it cannot act as its owner, and nothing says the owner still wants
// it) but reports it, so that the operator or the SMO creates it again: an error log naming its
// key, subscriptionId, consumerSubscriptionId and owner, and
// netweave_notifier_subscriptions_lost_total{kind}. Its queue goes with it. When its owner
// creates it again (same namespace and name, same owner; the notifier remembers the lost ones
// while it leads), it receives every change processed since the wipe, the re-baseline's first:
// what changed between what the notifier last processed for it and what is there now. Any
// other subscription created after the wipe is a new one and receives the changes after its
// creation, as a late subscription does (above); a re-baseline's DELETE is placed at the
// re-baseline's list, its CREATE and MODIFY at the object's new resourceVersion. What the notifier held only in Redis (a
// previous leader's state, when the wipe hit between two leaders) cannot be compared: the kind
// then starts with a fresh baseline, as on a first start, and notifies nothing for it, and the
// subscriptions of that previous leader are not reported. A leader that stops in the middle
// of a re-baseline leaves it to its successor: before it tells anything, a re-baseline records
// what the notifier last processed of the kind as its state in Redis, with a cursor that says
// a re-baseline is under way, and every change it tells updates that state as it is committed;
// the successor compares its own list with that state (without settling again), so that what
// the stopped leader told is not told again and what it had not told yet is told once. The
// lost subscriptions the stopped leader knew of are not reported by its successor.
//
// # Which subscriptions see a change
//
// Filter: the subscription's filter (SOL013 grammar, as for queries; the API server refuses a
// write, on either face, whose filter or notification-version annotation the notifier could
// not use, and a subscription stored before that check is not served until it is corrected,
// its queue kept meanwhile) is evaluated against the
// O2 document of the prior state and of the post state, in the subscription's version; the
// change is sent when either matches. So (eq,resourcePoolId,P) sends the creation of a resource
// in P, every modification of it, a move of it out of P (prior matches) or into P (post
// matches), and its deletion. (neq,description,x) sends changes that leave or enter the
// description x, and any other change. A filter that cannot be evaluated against a document
// (type mismatch) does not match it. Besides the document's attributes a filter may name
// objectType, the O2 schema name of the object: (eq,objectType,Resource) or
// (in,objectType,ResourcePool,ResourceType). An empty filter sends everything.
//
// Tenancy: every subscription has an owner, spec.subscriber, which the API server records from
// the authenticated create request (through either face; the O2 POST creates as the caller) and
// keeps immutable; no client-set field or annotation names it. A subscription only ever receives
// changes of objects its owner may "get" now: the notifier asks the server's authorizer, caching
// each decision for accessTTL (30s), so a revoked right stops deliveries within 30s plus the
// delegated authorizer's own cache (10s by default). The check is made when a change is queued
// and again before each delivery attempt (what was queued before a revocation is dropped, as
// reason "revoked"), with the groups recorded at create: a group membership removed in the
// identity provider is not seen (docs/o2ims.md). On top of that, a subscription in a tenant
// namespace N receives changes of objects in N only; one in the default subscription namespace
// (--o2ims-subscription-namespace) may receive changes from any namespace and of cluster-scoped
// objects (the OCloud). A subscription without an owner (made before owners were recorded)
// receives nothing. The ids a document lists of other objects (a LocationInfo's oCloudSiteIds,
// an OCloudSiteInfo's resourcePools) are there only when the owner may "list" those objects
// in the namespace, as on the O2 face: reading a site does not entitle anyone to the ids of
// pools it may not list (the list is empty otherwise, and a filter sees it empty). That too is
// asked again before each delivery attempt: ids queued while the owner could list them are
// emptied from a body sent after it no longer may.
//
// Version: the O2 POST records the inventory major version it was called on in the annotation
// o2ims.oran.org/notification-version (v1alpha1.AnnotationNotificationVersion) ("1" or "2"); subscriptions without it get version 1
// documents. Kinds that do not exist in the version (locations, O-Cloud sites in v1) are not
// sent.
//
// # Alarm notifications
//
// An AlarmSubscription receives AlarmEventNotifications about the AlarmEventRecords its owner
// may "get", under the tenancy rule above (resource alarmeventrecords): a tenant namespace's
// subscription only its namespace's alarms, the default namespace's what its owner may read
// anywhere, an ownerless one nothing.
//
// Event type. Each change of a record is compared with the state the notifier recorded before
// it (AlarmEvents):
//
//	created, or found by a re-list without a prior state     0 NEW
//	perceivedSeverity became 5 (CLEARED)                      2 CLEAR
//	otherwise, active afterwards and perceivedSeverity or
//	  text changed (including a re-raise from CLEARED)        1 CHANGE
//	status.alarmAcknowledged turned true                      3 ACKNOWLEDGE
//	anything else: metadata, an operator request the server
//	  has not acted on, a text change of a cleared alarm,
//	  deletion (retention, purge)                             nothing
//
// One update that both clears (or changes) and acknowledges is sent as two notifications,
// CLEAR (or CHANGE) then ACKNOWLEDGE, each with its own notificationId: derived as for
// inventory from the subscription, the record and its resourceVersion, plus the event type.
// The id travels in the X-O2IMS-Notification-ID header only: AlarmEventNotification has no
// such field.
//
// Filter: it names the event types NOT to send. Version 1 (monitoring 1.0.0) takes one of
// NEW, CHANGE, CLEAR, ACKNOWLEDGE; version 2 (spec v10, a free string) takes those names
// (any case) or their numbers 0..3, alone or as a comma-separated list. A filter that is not
// understood excludes nothing: the SMO receives more than it meant to, which it sees, rather
// than silently nothing; the subscription's status.lastError says "filter not understood,
// nothing is excluded: ..." while no delivery fails.
//
// Body: the annotation picks the version as for inventory. Version 1 is the 1.0.0
// AlarmEventNotification (globalCloudID, resourceTypeID = objectTypeId, resourceID =
// objectId, alarmDefinitionID, probableCauseID, alarmAcknowledgeTime, ...); version 2 the spec
// v10 one (globalCloudId, objectClass, objectId, objectTypeId, alarmDefinitionId,
// probableCauseId, ...; like 1.0.0 it has no alarmClearedTime). Both describe the record after the change;
// objectRef is /o2ims-infrastructureMonitoring/v{N}/alarms/{alarmEventRecordId}; globalCloudId
// is the OCloud's; required ids that are unset are the nil UUID; alarmChangedTime of an alarm
// that never changed is its alarmRaisedTime; extensions are redacted like documents.
//
// # NfDeployment notifications
//
// An NfDeploymentSubscription receives NfDeploymentChangeNotifications about the NfDeployments
// (o2dms.oran.org) its owner may "get", under the tenancy rule above (resource nfdeployments of
// o2dms.oran.org). A change is notified when it is a creation (CREATE), a deletion (DELETE), or
// a modification of status.phase or status.releaseRevision (MODIFY, its "changes" naming which);
// any other write (workloads, conditions, history, message, spec, metadata) is not
// (NfDeploymentChanges). The filter has the inventory grammar and is evaluated against the
// prior and post NfDeploymentDocument. The body and its fields: docs/o2dms.md, "Notifications".
//
// # ProvisioningRequest notifications
//
// A ProvisioningRequestSubscription receives ProvisioningRequestChangeNotifications (beyond the
// O2-IMS specification, which defines none for provisioning) about the ProvisioningRequests its
// owner may "get", under the tenancy rule above (resource provisioningrequests). A change is
// notified when it is a creation (CREATE), a deletion (DELETE), or a change of the
// provisioningPhase ProvisioningRequestInfo shows (a deletion timestamp shows DELETING) or of
// the provisionedResourceSet (MODIFY); messages, conditions, per-resource status, the spec and
// metadata are not (ProvisioningRequestChanges). The states are ProvisioningRequestInfo
// documents (extensions included, templateParameters redacted), the filter has the inventory
// grammar and is evaluated against them, and objectRef is the request's URI below the apiRoot
// (/tenants/{namespace} first for a request outside the inventory namespace). The body:
// docs/o2ims.md, "Provisioning notifications".
//
// # Outbound security
//
// A callback is a URL chosen by whoever may create a subscription, POSTed to from inside the
// cluster. Nothing the notifier sends or reports may turn that into access the creator does not
// have otherwise.
//
// Addresses. Callback URLs are checked when a subscription is created through O2
// (CallbackPolicy.CheckURL) and again at every connection (CallbackPolicy.Control, the dialer's
// Control function, which sees the address actually dialed after resolution, so a name that
// later resolves elsewhere, DNS rebinding, is refused too). Only globally reachable unicast
// addresses may be dialed: refused are the IANA special-purpose ranges (RFC 1918 private-use,
// CGNAT 100.64.0.0/10, loopback, link-local, this-network and unspecified, multicast,
// broadcast and reserved 240/4, documentation and benchmarking ranges, IETF protocol
// assignments, ULA fc00::/7, site-local, discard-only, ORCHID, SRv6, local-use NAT64
// 64:ff9b:1::/48), cloud metadata services (169.254.169.254, fd00:ec2::254, Azure's
// 168.63.129.16), and IPv6 forms that carry a forbidden IPv4 address: IPv4-mapped
// ::ffff:0:0/96, IPv4-translated ::ffff:0:0:0/96, IPv4-compatible ::/96, NAT64 64:ff9b::/96,
// 6to4 2002::/16 and Teredo 2001::/32 (server and client). An operator allow-list
// (--notifier-allowed-callback-cidrs) overrides all of it, for the IPv4 address inside those
// forms too; local runs and the e2e tests allow 127.0.0.0/8 so that callbacks on loopback work.
// No proxy is used (it would dial past the policy) and redirects are not followed.
//
// Answers. The receiver is the tenant's, so what it answers is bounded by what one delivery
// may cost: its headers, interim 1xx answers included, to 64 KiB (more fails the delivery as
// "connection failed"), over HTTP/1 and HTTP/2; of its body the first 64 KiB are read, within
// the POST's timeout (--notifier-timeout), and nothing of it is kept. A 101 (Switching
// Protocols) is a failure, "HTTP 101", and its connection is closed unread. Retry-After is not
// honoured: a failed POST is retried after the backoff (--notifier-retry-base doubling up to
// --notifier-retry-max), whatever the answer asks for.
//
// OAuth2. The client-credentials token (--notifier-oauth2-token-url) is the notifier's identity
// at the operator's authorization server, so it goes only to the callback hosts the operator
// lists (--notifier-oauth2-hosts: names, addresses or *.domain, optionally with a port), and
// only over https. A callback whose host is not listed is still delivered, without the token
// (an SMO that needs no token keeps working); a listed host's plain-http callback is refused
// at create time and at delivery ("callback refused: OAuth2 token requires https"), since the
// token would cross the network in clear and the receiver expects it. A token that would not
// make a valid Authorization header (control characters such as CR/LF, spaces) is refused as
// it is fetched ("OAuth2 token request failed") and not kept: the next delivery fetches again.
// The token request carries the client secret, so the token URL must be https (refused at
// start otherwise), and a redirect from the token endpoint is not followed: it fails the
// request.
//
// Signing. When the subscription has a spec.signingSecretRef, every POST carries
// X-O2IMS-Signature: sha256=<hex(HMAC-SHA256(key, body))>, the key being the bytes of the
// referenced key of a Secret in the subscription's namespace. The Secret must opt in: type
// o2ims.oran.org/signing-key, or the label o2ims.oran.org/signing-key: "true". Otherwise
// nothing is delivered (not unsigned POSTs: a receiver that checks signatures drops them, one
// that does not should not be told it is signed) and the status says why. netweave reads these
// Secrets by name (RBAC get, no list or watch). The registry additionally refuses a
// subscription whose creator (or updater, when the reference changes) may not get that Secret
// (pkg/registry/o2ims/inventorysubscription).
//
// Every POST also carries X-O2IMS-Notification-ID, and the optional mTLS client certificate.
// Documents are redacted (model.Redact), exactly as the O2 face shows them to callers without
// the credentials permission.
//
// Status. A failed POST is reported in status.lastError by class only (FailureClass):
// "callback refused: address not allowed", "connection failed" (every way of not getting a
// connection: refused, unreachable, filtered, unresolvable; or of not getting an answer on
// it: reset, closed, a malformed or oversized answer), "timeout", "TLS handshake
// failed", "HTTP 503", "OAuth2 token request failed", "signing secret ...". Distinguishing
// "connection refused" from "no route to host", or naming the address a name resolved to,
// would let anyone who may create subscriptions map the networks the notifier reaches. The
// full error is logged at -v=2.
package notify
