package dasplugin

import (
	"fmt"
	"path/filepath"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	frameworkruntime "k8s.io/kubernetes/pkg/scheduler/framework/runtime"
)

const (
	// DefaultSocketPath is where the allocator container of the das-scheduler pod listens.
	DefaultSocketPath = "/var/run/das/allocator.sock"
	// DefaultTimeout bounds one RPC. The allocator answers from memory, so anything slower means it is stuck.
	DefaultTimeout = 5 * time.Second
)

// Args are the plugin's arguments, given as `args` of the plugin's entry in the profile's pluginConfig:
//
//	pluginConfig:
//	- name: DASAllocator
//	  args:
//	    socketPath: /var/run/das/allocator.sock
//	    timeout: 5s
type Args struct {
	// SocketPath is the absolute path of the allocator's Unix socket.
	SocketPath string `json:"socketPath,omitempty"`
	// Timeout is the deadline of each RPC to the allocator.
	Timeout metav1.Duration `json:"timeout,omitempty"`
}

// decodeArgs reads the plugin's args, fills in defaults and validates them. Out-of-tree plugins have no
// registered args type, so the scheduler hands them over as *runtime.Unknown (or nil without pluginConfig).
func decodeArgs(obj runtime.Object) (*Args, error) {
	args := &Args{}
	if err := frameworkruntime.DecodeInto(obj, args); err != nil {
		return nil, fmt.Errorf("decoding %s args: %w", Name, err)
	}
	if args.SocketPath == "" {
		args.SocketPath = DefaultSocketPath
	}
	if args.Timeout.Duration == 0 {
		args.Timeout.Duration = DefaultTimeout
	}
	if !filepath.IsAbs(args.SocketPath) {
		return nil, fmt.Errorf("%s args: socketPath must be an absolute path, got %q", Name, args.SocketPath)
	}
	if args.Timeout.Duration < 0 {
		return nil, fmt.Errorf("%s args: timeout must be positive, got %s", Name, args.Timeout.Duration)
	}
	return args, nil
}
