// Command das-scheduler is kube-scheduler with the DAS allocator plugin compiled in.
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubernetes/cmd/kube-scheduler/app"

	"github.com/redhat-das/das/plugin-shim/pkg/dasplugin"
)

func main() {
	command := app.NewSchedulerCommand(app.WithPlugin(dasplugin.Name, dasplugin.New))
	os.Exit(cli.Run(command))
}
