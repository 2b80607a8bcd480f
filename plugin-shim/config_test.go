package main

import (
	"testing"
	"time"

	"k8s.io/klog/v2/ktesting"
	"k8s.io/kubernetes/cmd/kube-scheduler/app/options"
	"k8s.io/kubernetes/pkg/scheduler/apis/config/validation"

	"github.com/redhat-das/das/plugin-shim/pkg/dasplugin"
)

// TestExampleConfig loads config/scheduler-config.yaml the way kube-scheduler's --config does and checks
// that it is valid and that the plugin accepts its args.
func TestExampleConfig(t *testing.T) {
	logger, ctx := ktesting.NewTestContext(t)
	cfg, err := options.LoadConfigFromFile(logger, "config/scheduler-config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := validation.ValidateKubeSchedulerConfiguration(cfg); err != nil {
		t.Fatal(err)
	}
	le := cfg.LeaderElection
	if !le.LeaderElect || le.ResourceNamespace != "das-operator" || le.ResourceName != "das-scheduler" {
		t.Errorf("leaderElection = %+v", le)
	}
	if len(cfg.Profiles) != 1 || cfg.Profiles[0].SchedulerName != "das-scheduler" {
		t.Fatalf("profiles = %+v, want one named das-scheduler", cfg.Profiles)
	}
	profile := cfg.Profiles[0]
	enabled := false
	for _, p := range profile.Plugins.MultiPoint.Enabled {
		enabled = enabled || p.Name == dasplugin.Name
	}
	if !enabled {
		t.Errorf("%s is not enabled via multiPoint: %+v", dasplugin.Name, profile.Plugins.MultiPoint)
	}
	found := false
	for _, pc := range profile.PluginConfig {
		if pc.Name != dasplugin.Name {
			continue
		}
		found = true
		plugin, err := dasplugin.New(ctx, pc.Args, nil)
		if err != nil {
			t.Fatalf("New with the example args: %v", err)
		}
		pl := plugin.(*dasplugin.DASAllocator)
		if got, want := pl.SocketPath(), "/var/run/das/allocator.sock"; got != want {
			t.Errorf("socket path = %q, want %q", got, want)
		}
		if got, want := pl.Timeout(), 5*time.Second; got != want {
			t.Errorf("timeout = %s, want %s", got, want)
		}
		_ = pl.Close()
	}
	if !found {
		t.Errorf("no pluginConfig for %s", dasplugin.Name)
	}
}
