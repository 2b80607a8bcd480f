package dasplugin

import (
	"context"
	"net"
	"path/filepath"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	"github.com/redhat-das/das/plugin-shim/pkg/allocatorpb"
)

// fakeAllocator is a real gRPC server on a Unix socket that records what it is asked and answers with
// canned responses.
type fakeAllocator struct {
	allocatorpb.UnimplementedAllocatorServer

	socketPath string

	mu         sync.Mutex
	calls      []string
	requests   []proto.Message
	preFilter  *allocatorpb.PreFilterResponse
	reserveErr error
	preBindErr error
}

// startFakeAllocator serves a fakeAllocator in t.TempDir() until the test ends.
func startFakeAllocator(t *testing.T) *fakeAllocator {
	t.Helper()
	fake := &fakeAllocator{
		socketPath: socketPathIn(t),
		preFilter:  &allocatorpb.PreFilterResponse{},
	}
	listener, err := net.Listen("unix", fake.socketPath)
	if err != nil {
		t.Fatalf("listening on %s: %v", fake.socketPath, err)
	}
	server := grpc.NewServer()
	allocatorpb.RegisterAllocatorServer(server, fake)
	go func() { _ = server.Serve(listener) }()
	t.Cleanup(server.Stop)
	return fake
}

// socketPathIn returns a socket path in a fresh temp dir; nothing listens there unless the test starts a server.
func socketPathIn(t *testing.T) string {
	return filepath.Join(t.TempDir(), "allocator.sock")
}

func (f *fakeAllocator) record(call string, request proto.Message) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
	f.requests = append(f.requests, proto.Clone(request))
}

// seen returns the names of the RPCs received so far and their requests.
func (f *fakeAllocator) seen() ([]string, []proto.Message) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...), append([]proto.Message(nil), f.requests...)
}

func (f *fakeAllocator) PreFilter(_ context.Context, request *allocatorpb.PreFilterRequest) (*allocatorpb.PreFilterResponse, error) {
	f.record("PreFilter", request)
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.preFilter, nil
}

func (f *fakeAllocator) Reserve(_ context.Context, request *allocatorpb.ReserveRequest) (*allocatorpb.ReserveResponse, error) {
	f.record("Reserve", request)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.reserveErr != nil {
		return nil, f.reserveErr
	}
	return &allocatorpb.ReserveResponse{Slices: []*allocatorpb.SliceAssignment{{
		Container: "app", Profile: "1g.5gb", GpuUuid: "GPU-0", Start: 0, Size: 1,
	}}}, nil
}

func (f *fakeAllocator) Unreserve(_ context.Context, request *allocatorpb.UnreserveRequest) (*allocatorpb.UnreserveResponse, error) {
	f.record("Unreserve", request)
	return &allocatorpb.UnreserveResponse{}, nil
}

func (f *fakeAllocator) PreBind(_ context.Context, request *allocatorpb.PreBindRequest) (*allocatorpb.PreBindResponse, error) {
	f.record("PreBind", request)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.preBindErr != nil {
		return nil, f.preBindErr
	}
	return &allocatorpb.PreBindResponse{ClaimNames: []string{"claim-0"}}, nil
}
