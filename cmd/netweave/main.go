// Command netweave serves the O-RAN O2-IMS inventory as the Kubernetes API group
// o2ims.oran.org, stored in Redis, behind the cluster's aggregator.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/component-base/cli"

	"github.com/netweave-io/netweave/pkg/apiserver/options"
	"github.com/netweave-io/netweave/pkg/helmrelease"
	"github.com/netweave-io/netweave/pkg/version"
)

func main() {
	// A chart renderer (the O2-DMS controller's child process) renders and exits here, before
	// anything of the server is set up.
	helmrelease.ServeRenderChild()
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
			cfg, err := opts.Config(cmd.Context())
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
	// --version prints the one-line form; `netweave version` also has -o json.
	cmd.Version = version.Get().String()
	cmd.SetVersionTemplate("{{.Version}}\n")
	cmd.AddCommand(newVersionCommand())
	cmd.SetContext(ctx)
	opts.AddFlags(cmd.Flags())
	os.Exit(cli.Run(cmd))
}

// newVersionCommand is `netweave version [-o json]`: netweave's version, the git commit and Go
// version it was built with, and the Kubernetes libraries it serves the API with.
func newVersionCommand() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print netweave's version, git commit and Go version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			info := version.Get()
			switch output {
			case "":
				_, err := fmt.Fprintf(cmd.OutOrStdout(), "netweave %s\ngit commit: %s\ngit tree state: %s\nbuild date: %s\ngo: %s\nplatform: %s\nkubernetes libraries: %s\n",
					info.Version, info.GitCommit, info.GitTreeState, info.BuildDate, info.GoVersion, info.Platform, info.KubernetesVersion)
				return err
			case "json":
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(info)
			default:
				return fmt.Errorf("--output must be empty or json, not %q", output)
			}
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "Output format: empty for text, or json.")
	return cmd
}
