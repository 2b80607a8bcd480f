package dasplugin

import (
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
)

func TestDecodeArgs(t *testing.T) {
	for _, tc := range []struct {
		name       string
		obj        runtime.Object
		wantSocket string
		wantTime   time.Duration
		wantErr    string
	}{
		{
			name:       "no pluginConfig entry",
			obj:        nil,
			wantSocket: "/var/run/das/allocator.sock",
			wantTime:   5 * time.Second,
		},
		{
			name:       "empty args",
			obj:        &runtime.Unknown{ContentType: runtime.ContentTypeJSON, Raw: []byte(`{}`)},
			wantSocket: "/var/run/das/allocator.sock",
			wantTime:   5 * time.Second,
		},
		{
			name:       "JSON",
			obj:        &runtime.Unknown{ContentType: runtime.ContentTypeJSON, Raw: []byte(`{"socketPath":"/run/das/a.sock","timeout":"250ms"}`)},
			wantSocket: "/run/das/a.sock",
			wantTime:   250 * time.Millisecond,
		},
		{
			name:       "YAML, timeout defaulted",
			obj:        &runtime.Unknown{ContentType: runtime.ContentTypeYAML, Raw: []byte("socketPath: /run/das/b.sock\n")},
			wantSocket: "/run/das/b.sock",
			wantTime:   5 * time.Second,
		},
		{
			name:    "relative socket path",
			obj:     &runtime.Unknown{Raw: []byte(`{"socketPath":"das.sock"}`)},
			wantErr: "socketPath must be an absolute path",
		},
		{
			name:    "negative timeout",
			obj:     &runtime.Unknown{Raw: []byte(`{"timeout":"-1s"}`)},
			wantErr: "timeout must be positive",
		},
		{
			name:    "bad duration",
			obj:     &runtime.Unknown{Raw: []byte(`{"timeout":"soon"}`)},
			wantErr: "decoding DASAllocator args",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args, err := decodeArgs(tc.obj)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if args.SocketPath != tc.wantSocket || args.Timeout.Duration != tc.wantTime {
				t.Errorf("got socketPath %q timeout %s, want %q %s", args.SocketPath, args.Timeout.Duration, tc.wantSocket, tc.wantTime)
			}
		})
	}
}
