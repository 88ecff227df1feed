// Package leader runs a controller on one replica at a time: Options configure a Lease, Run
// campaigns for it and runs the controller's lead function for each term it holds it.
//
// # Identities
//
// A replica renews a Lease whose holder is its own identity, so two processes sharing an
// identity would both believe they lead. Complete therefore defaults the identity to the host
// name plus a random suffix: two processes on one host (or two containers that share a host
// name) never share it.
//
// # Fencing
//
// A replica that lost the Lease stops writing before another one can take it over. Writes are
// fenced by the term's context, which every leader-only writer must use: once it is cancelled,
// the client refuses to send them. The context is cancelled in time because of how the Lease
// is timed:
//
//   - Another replica takes the Lease over only after it has watched the Lease unchanged for
//     LeaseDuration on its own clock. It saw the last renewal no earlier than that renewal was
//     sent, so the takeover comes at least LeaseDuration after the sending of the last renewal
//     that succeeded. (The Lease records whole seconds, so LeaseDuration must be whole seconds.)
//   - Run cancels the term's context RenewDeadline after the sending of the last renewal that
//     succeeded, on this replica's clock, whatever client-go's elector is doing (its own
//     give-up comes up to a RetryPeriod plus a request later).
//
// RenewDeadline < LeaseDuration leaves the difference for requests already on the wire; no
// clock needs to agree with another, only run at about the same rate.
//
// The Lease is released when a term ends (so a successor starts at once), but only after the
// lead function has returned: the release waits for it, and gives up after RenewDeadline, when
// the Lease then simply expires. It is made only when the Lease read just before it still
// names this process: a successor that took it over meanwhile keeps it. A process never runs
// two terms at once.
//
// # Metrics
//
// Leadership is reported by client-go's leader election metrics through component-base:
// leader_election_master_status{name=<lease name>} and leader_election_slowpath_total{name}.
package leader
