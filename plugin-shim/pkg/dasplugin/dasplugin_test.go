package dasplugin

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/grpc/codes"
	grpcstatus "google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/klog/v2/ktesting"
	fwk "k8s.io/kube-scheduler/framework"
	"k8s.io/kubernetes/pkg/scheduler/framework"

	"github.com/redhat-das/das/plugin-shim/pkg/allocatorpb"
)

func newPlugin(t *testing.T, socketPath string) *DASAllocator {
	t.Helper()
	args := &runtime.Unknown{
		ContentType: runtime.ContentTypeJSON,
		Raw:         []byte(fmt.Sprintf(`{"socketPath": %q, "timeout": "2s"}`, socketPath)),
	}
	_, ctx := ktesting.NewTestContext(t)
	plugin, err := New(ctx, args, nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	pl := plugin.(*DASAllocator)
	t.Cleanup(func() { _ = pl.Close() })
	return pl
}

func resources(pairs ...string) v1.ResourceList {
	list := v1.ResourceList{}
	for i := 0; i < len(pairs); i += 2 {
		list[v1.ResourceName(pairs[i])] = resource.MustParse(pairs[i+1])
	}
	return list
}

func container(name string, limits v1.ResourceList) v1.Container {
	return v1.Container{Name: name, Resources: v1.ResourceRequirements{Limits: limits}}
}

func pod(containers ...v1.Container) *v1.Pod {
	return &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "trainer", UID: "uid-1"},
		Spec:       v1.PodSpec{Containers: containers},
	}
}

func dasPod() *v1.Pod {
	return pod(container("app", resources("cpu", "1", "mig.das.com/1g.5gb", "1")))
}

func nodeInfo(name string) fwk.NodeInfo {
	info := framework.NewNodeInfo()
	info.SetNode(&v1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}})
	return info
}

func wantStatus(t *testing.T, what string, got *fwk.Status, code fwk.Code, message string) {
	t.Helper()
	if got.Code() != code || got.Message() != message {
		t.Errorf("%s: got %v %q, want %v %q", what, got.Code(), got.Message(), code, message)
	}
}

func wantCalls(t *testing.T, fake *fakeAllocator, want ...string) []proto.Message {
	t.Helper()
	calls, requests := fake.seen()
	if diff := cmp.Diff(want, calls, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("RPCs (-want +got):\n%s", diff)
	}
	return requests
}

func TestPodWithoutDASResourcesIsSkippedWithoutRPC(t *testing.T) {
	fake := startFakeAllocator(t)
	pl := newPlugin(t, fake.socketPath)
	_, ctx := ktesting.NewTestContext(t)
	state := framework.NewCycleState()
	// A whole GPU is not a DAS resource.
	p := pod(container("app", resources("cpu", "1", "nvidia.com/gpu", "1")))

	_, status := pl.PreFilter(ctx, state, p, nil)
	wantStatus(t, "PreFilter", status, fwk.Skip, "")
	wantStatus(t, "PreScore", pl.PreScore(ctx, state, p, nil), fwk.Skip, "")
	wantStatus(t, "Reserve", pl.Reserve(ctx, state, p, "node-a"), fwk.Success, "")
	_, status = pl.PreBindPreFlight(ctx, state, p, "node-a")
	wantStatus(t, "PreBindPreFlight", status, fwk.Skip, "")
	wantStatus(t, "PreBind", pl.PreBind(ctx, state, p, "node-a"), fwk.Success, "")
	pl.Unreserve(ctx, state, p, "node-a")

	wantCalls(t, fake)
}

func TestFilterAndScoreAnswerFromOnePreFilterRPC(t *testing.T) {
	fake := startFakeAllocator(t)
	fake.preFilter = &allocatorpb.PreFilterResponse{
		FeasibleNodes: map[string]int64{"node-a": 80, "node-b": 250},
		RejectedNodes: map[string]string{"node-c": "no free 1g.5gb slice on any GPU"},
	}
	pl := newPlugin(t, fake.socketPath)
	_, ctx := ktesting.NewTestContext(t)
	state := framework.NewCycleState()
	always := v1.ContainerRestartPolicyAlways
	p := pod(
		container("app", resources("cpu", "1", "mig.das.com/1g.5gb", "1", "nvidia.com/mig-2g.10gb", "2")),
		container("plain", resources("cpu", "1")),
	)
	p.Spec.InitContainers = []v1.Container{
		container("init", resources("mig.das.com/3g.20gb", "1")),
		container("no-gpu-init", resources("memory", "1Gi")),
		{Name: "sidecar", RestartPolicy: &always, Resources: v1.ResourceRequirements{
			Limits:   resources("mig.das.com/1g.5gb", "1"),
			Requests: resources("mig.das.com/1g.5gb", "1", "cpu", "100m"),
		}},
	}

	_, status := pl.PreFilter(ctx, state, p, nil)
	wantStatus(t, "PreFilter", status, fwk.Success, "")
	wantStatus(t, "Filter node-a", pl.Filter(ctx, state, p, nodeInfo("node-a")), fwk.Success, "")
	wantStatus(t, "Filter node-c", pl.Filter(ctx, state, p, nodeInfo("node-c")), fwk.Unschedulable, "no free 1g.5gb slice on any GPU")
	wantStatus(t, "Filter node-d", pl.Filter(ctx, state, p, nodeInfo("node-d")), fwk.Unschedulable, "node has no DAS-managed GPU")
	wantStatus(t, "PreScore", pl.PreScore(ctx, state, p, nil), fwk.Success, "")
	for node, want := range map[string]int64{"node-a": 80, "node-b": fwk.MaxNodeScore} {
		score, status := pl.Score(ctx, state, p, nodeInfo(node))
		wantStatus(t, "Score "+node, status, fwk.Success, "")
		if score != want {
			t.Errorf("Score %s = %d, want %d", node, score, want)
		}
	}
	// The framework may clone the state (preemption); the answer must survive.
	wantStatus(t, "Filter on cloned state", pl.Filter(ctx, state.Clone(), p, nodeInfo("node-a")), fwk.Success, "")

	requests := wantCalls(t, fake, "PreFilter")
	want := &allocatorpb.PreFilterRequest{Pod: &allocatorpb.PodRequest{
		Pod: &allocatorpb.PodRef{Namespace: "team-a", Name: "trainer", Uid: "uid-1"},
		Containers: []*allocatorpb.Container{
			{Name: "init", Kind: allocatorpb.Container_INIT, Limits: map[string]string{"mig.das.com/3g.20gb": "1"}},
			{
				Name: "sidecar", Kind: allocatorpb.Container_SIDECAR,
				Limits:   map[string]string{"mig.das.com/1g.5gb": "1"},
				Requests: map[string]string{"mig.das.com/1g.5gb": "1"},
			},
			{Name: "app", Kind: allocatorpb.Container_APP, Limits: map[string]string{"mig.das.com/1g.5gb": "1", "nvidia.com/mig-2g.10gb": "2"}},
		},
	}}
	if diff := cmp.Diff(want, requests[0], protocmp.Transform()); diff != "" {
		t.Errorf("PreFilter request (-want +got):\n%s", diff)
	}
}

func TestPodRejectionIsUnschedulableAndUnresolvable(t *testing.T) {
	fake := startFakeAllocator(t)
	fake.preFilter = &allocatorpb.PreFilterResponse{
		FeasibleNodes: map[string]int64{"node-a": 10},
		PodRejection:  "unknown MIG profile mig.das.com/9g.99gb",
	}
	pl := newPlugin(t, fake.socketPath)
	_, ctx := ktesting.NewTestContext(t)
	state := framework.NewCycleState()

	_, status := pl.PreFilter(ctx, state, dasPod(), nil)
	wantStatus(t, "PreFilter", status, fwk.UnschedulableAndUnresolvable, "unknown MIG profile mig.das.com/9g.99gb")
	wantStatus(t, "PreScore", pl.PreScore(ctx, state, dasPod(), nil), fwk.Skip, "")
	wantCalls(t, fake, "PreFilter")
}

func TestAllocatorDownKeepsPodPendingWithClearReason(t *testing.T) {
	socketPath := socketPathIn(t) // nothing listens here
	pl := newPlugin(t, socketPath)
	_, ctx := ktesting.NewTestContext(t)
	state := framework.NewCycleState()

	start := time.Now()
	_, status := pl.PreFilter(ctx, state, dasPod(), nil)
	if status.Code() != fwk.Error {
		t.Fatalf("PreFilter status code = %v, want Error", status.Code())
	}
	if prefix := "DAS allocator unavailable at " + socketPath + ": "; !strings.HasPrefix(status.Message(), prefix) {
		t.Errorf("PreFilter message = %q, want prefix %q", status.Message(), prefix)
	}
	// A missing socket must fail fast, not after the RPC timeout.
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("PreFilter took %s with the allocator down", elapsed)
	}

	wantStatus(t, "Reserve without state", pl.Reserve(ctx, state, dasPod(), "node-a"), fwk.Success, "")
}

func TestAllocatorErrorIsReported(t *testing.T) {
	fake := startFakeAllocator(t)
	fake.preBindErr = grpcstatus.Error(codes.Internal, "apiserver said no")
	pl := newPlugin(t, fake.socketPath)
	_, ctx := ktesting.NewTestContext(t)
	state := framework.NewCycleState()
	p := dasPod()

	_, status := pl.PreFilter(ctx, state, p, nil)
	wantStatus(t, "PreFilter", status, fwk.Success, "")
	wantStatus(t, "PreBind", pl.PreBind(ctx, state, p, "node-a"), fwk.Error, "DAS allocator PreBind failed: Internal: apiserver said no")
}

func TestReserveUnreservePreBindForwardPodAndNode(t *testing.T) {
	fake := startFakeAllocator(t)
	fake.preFilter = &allocatorpb.PreFilterResponse{FeasibleNodes: map[string]int64{"node-a": 50}}
	pl := newPlugin(t, fake.socketPath)
	_, ctx := ktesting.NewTestContext(t)
	state := framework.NewCycleState()
	p := dasPod()

	_, status := pl.PreFilter(ctx, state, p, nil)
	wantStatus(t, "PreFilter", status, fwk.Success, "")
	wantStatus(t, "Reserve", pl.Reserve(ctx, state, p, "node-a"), fwk.Success, "")
	_, status = pl.PreBindPreFlight(ctx, state, p, "node-a")
	wantStatus(t, "PreBindPreFlight", status, fwk.Success, "")
	wantStatus(t, "PreBind", pl.PreBind(ctx, state, p, "node-a"), fwk.Success, "")
	// Unreserve must reach the allocator even when the binding cycle's context is gone.
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	pl.Unreserve(cancelled, state, p, "node-a")

	requests := wantCalls(t, fake, "PreFilter", "Reserve", "PreBind", "Unreserve")
	ref := &allocatorpb.PodRef{Namespace: "team-a", Name: "trainer", Uid: "uid-1"}
	want := []proto.Message{
		&allocatorpb.PreFilterRequest{Pod: podRequest(p)},
		&allocatorpb.ReserveRequest{Pod: podRequest(p), Node: "node-a"},
		&allocatorpb.PreBindRequest{Pod: ref, Node: "node-a"},
		&allocatorpb.UnreserveRequest{Pod: ref, Node: "node-a"},
	}
	if diff := cmp.Diff(want, requests, protocmp.Transform()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestReserveOnNodeThatFilledUpIsUnschedulable(t *testing.T) {
	fake := startFakeAllocator(t)
	fake.preFilter = &allocatorpb.PreFilterResponse{FeasibleNodes: map[string]int64{"node-a": 50}}
	fake.reserveErr = grpcstatus.Error(codes.FailedPrecondition, "GPU-0 has no free 1g.5gb placement any more")
	pl := newPlugin(t, fake.socketPath)
	_, ctx := ktesting.NewTestContext(t)
	state := framework.NewCycleState()

	_, status := pl.PreFilter(ctx, state, dasPod(), nil)
	wantStatus(t, "PreFilter", status, fwk.Success, "")
	wantStatus(t, "Reserve", pl.Reserve(ctx, state, dasPod(), "node-a"), fwk.Unschedulable, "GPU-0 has no free 1g.5gb placement any more")
}

func TestSignPod(t *testing.T) {
	pl := newPlugin(t, socketPathIn(t))
	_, ctx := ktesting.NewTestContext(t)
	if _, status := pl.SignPod(ctx, pod(container("app", resources("cpu", "1")))); !status.IsSuccess() {
		t.Errorf("SignPod of a plain pod: %v, want Success", status)
	}
	if _, status := pl.SignPod(ctx, dasPod()); status.IsSuccess() {
		t.Errorf("SignPod of a DAS pod succeeded, want a refusal")
	}
}

func TestEventsToRegister(t *testing.T) {
	pl := newPlugin(t, socketPathIn(t))
	logger, ctx := ktesting.NewTestContext(t)
	events, err := pl.EventsToRegister(ctx)
	if err != nil {
		t.Fatal(err)
	}
	registered := map[fwk.EventResource]fwk.ActionType{}
	var podDeleteHint fwk.QueueingHintFn
	for _, e := range events {
		registered[e.Event.Resource] |= e.Event.ActionType
		if e.Event.Resource == fwk.AssignedPod {
			podDeleteHint = e.QueueingHintFn
		}
	}
	want := map[fwk.EventResource]fwk.ActionType{
		fwk.AssignedPod: fwk.Delete,
		fwk.Node:        fwk.Add | fwk.Update,
		"nodeaccelerators.v1alpha1.inference.redhat.com": fwk.Add | fwk.Update | fwk.Delete,
		"allocationclaims.v1alpha1.inference.redhat.com": fwk.Add | fwk.Update | fwk.Delete,
	}
	if diff := cmp.Diff(want, registered); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}

	for _, tc := range []struct {
		deleted *v1.Pod
		want    fwk.QueueingHint
	}{
		{deleted: dasPod(), want: fwk.Queue},
		{deleted: pod(container("app", resources("cpu", "1"))), want: fwk.QueueSkip},
	} {
		got, err := podDeleteHint(logger, dasPod(), tc.deleted, nil)
		if err != nil || got != tc.want {
			t.Errorf("hint after deleting %v: %v, %v; want %v", tc.deleted.Spec.Containers[0].Resources.Limits, got, err, tc.want)
		}
	}
}
