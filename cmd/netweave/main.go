// Command netweave serves the O-RAN O2-IMS inventory as the Kubernetes API group
// o2ims.oran.org, stored in Redis, behind the cluster's aggregator.
package main

import (
	"os"

	"github.com/spf13/cobra"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/component-base/cli"

	"github.com/netweave-io/netweave/pkg/apiserver/options"
)

func main() {
	ctx := genericapiserver.SetupSignalContext()
	opts := options.NewServerOptions()
	cmd := &cobra.Command{
		Use:   "netweave",
		Short: "O-RAN O2-IMS gateway: the o2ims.oran.org aggregated API server on Redis",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.Complete(); err != nil {
				return err
			}
			if err := opts.Validate(); err != nil {
				return err
			}
			cfg, err := opts.Config()
			if err != nil {
				return err
			}
			completed, err := cfg.Complete()
			if err != nil {
				return err
			}
			server, err := completed.New()
			if err != nil {
				return err
			}
			return server.Run(cmd.Context())
		},
	}
	cmd.SetContext(ctx)
	opts.AddFlags(cmd.Flags())
	os.Exit(cli.Run(cmd))
}
