// Package retention removes alarm records that are done with: cleared and acknowledged ones
// whose retention period (AlarmServiceConfiguration "default", spec.retentionPeriod days after
// alarmClearedTime) has passed, and those an AlarmPurge task (spec v10 POST /alarms/purge)
// names. It runs on the leader only. Every removal is conditional on the version of the record
// it was judged on, so an alarm re-raised or changed in the meantime is judged again, never
// lost.
package retention
