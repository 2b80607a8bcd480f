// Package dasplugin is the scheduler-framework plugin of das-scheduler. It holds no allocation logic: every
// decision about MIG slices is made by the DAS allocator, which it calls over gRPC on a Unix socket, once
// per scheduling phase (see api/src/main/proto/das/allocator/v1/allocator.proto).
package dasplugin

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	grpcstatus "google.golang.org/grpc/status"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/klog/v2"
	fwk "k8s.io/kube-scheduler/framework"
	schedutil "k8s.io/kubernetes/pkg/scheduler/util"

	"github.com/redhat-das/das/plugin-shim/pkg/allocatorpb"
)

// Name is the plugin's name in KubeSchedulerConfiguration.
const Name = "DASAllocator"

// Custom resources whose changes can make a pod this plugin rejected fit, as "<plural>.<version>.<group>":
// kube-scheduler watches event resources it does not know with a dynamic informer. Note that the scheduler
// waits for these informers to sync before it schedules anything, so the CRDs must be installed and the
// scheduler's service account must be allowed to list and watch them.
const (
	nodeAcceleratorsResource fwk.EventResource = "nodeaccelerators.v1alpha1.inference.redhat.com"
	allocationClaimsResource fwk.EventResource = "allocationclaims.v1alpha1.inference.redhat.com"
)

const stateKey fwk.StateKey = "PreFilter" + Name

var (
	_ fwk.PreFilterPlugin   = &DASAllocator{}
	_ fwk.FilterPlugin      = &DASAllocator{}
	_ fwk.PreScorePlugin    = &DASAllocator{}
	_ fwk.ScorePlugin       = &DASAllocator{}
	_ fwk.ReservePlugin     = &DASAllocator{}
	_ fwk.PreBindPlugin     = &DASAllocator{}
	_ fwk.EnqueueExtensions = &DASAllocator{}
	_ fwk.SignPlugin        = &DASAllocator{}
)

// DASAllocator forwards the scheduling of pods that request MIG slices to the DAS allocator.
type DASAllocator struct {
	socketPath string
	timeout    time.Duration
	conn       *grpc.ClientConn
	client     allocatorpb.AllocatorClient
}

// New builds the plugin from its args. It does not wait for the allocator: the connection is dialled lazily
// and re-established by gRPC, so the scheduler starts even while the allocator container is still starting.
func New(_ context.Context, obj runtime.Object, _ fwk.Handle) (fwk.Plugin, error) {
	args, err := decodeArgs(obj)
	if err != nil {
		return nil, err
	}
	conn, err := grpc.NewClient("unix://"+args.SocketPath,
		// The socket is only reachable inside the das-scheduler pod; there is no network hop to protect.
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		// gRPC's default reconnect backoff grows to 2 minutes. Connecting to a local socket is cheap, so keep
		// retrying fast to resume scheduling soon after the allocator (re)starts.
		grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 2 * time.Second},
			MinConnectTimeout: args.Timeout.Duration,
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("creating gRPC client for %s: %w", args.SocketPath, err)
	}
	return &DASAllocator{
		socketPath: args.SocketPath,
		timeout:    args.Timeout.Duration,
		conn:       conn,
		client:     allocatorpb.NewAllocatorClient(conn),
	}, nil
}

// Name returns the plugin's name.
func (pl *DASAllocator) Name() string { return Name }

// SocketPath is the allocator socket the plugin talks to.
func (pl *DASAllocator) SocketPath() string { return pl.socketPath }

// Timeout is the deadline of each RPC.
func (pl *DASAllocator) Timeout() time.Duration { return pl.timeout }

// Close releases the gRPC connection; the framework calls it when the profile shuts down.
func (pl *DASAllocator) Close() error { return pl.conn.Close() }

// preFilterState is the allocator's answer to PreFilter, kept for the rest of the scheduling cycle.
type preFilterState struct {
	request  *allocatorpb.PodRequest
	feasible map[string]int64
	rejected map[string]string
}

// Clone returns the state itself: it is never modified after PreFilter (no PreFilterExtensions).
func (s *preFilterState) Clone() fwk.StateData { return s }

func readState(state fwk.CycleState) (*preFilterState, error) {
	data, err := state.Read(stateKey)
	if err != nil {
		return nil, fmt.Errorf("reading %q from cycle state: %w", stateKey, err)
	}
	s, ok := data.(*preFilterState)
	if !ok {
		return nil, fmt.Errorf("%q in cycle state has type %T", stateKey, data)
	}
	return s, nil
}

// SignPod lets the scheduler batch pods without DAS resources, which this plugin does not touch. It refuses
// to sign DAS pods: their fit depends on the allocator's state, which the scheduler's cache does not see.
func (pl *DASAllocator) SignPod(_ context.Context, pod *v1.Pod) ([]fwk.SignFragment, *fwk.Status) {
	if hasDASResources(pod) {
		return nil, fwk.NewStatus(fwk.Unschedulable, "pods with DAS resources depend on the allocator's state")
	}
	return nil, nil
}

// PreFilter asks the allocator about every node at once, so that Filter and Score need no RPC.
func (pl *DASAllocator) PreFilter(ctx context.Context, state fwk.CycleState, pod *v1.Pod, _ []fwk.NodeInfo) (*fwk.PreFilterResult, *fwk.Status) {
	request := podRequest(pod)
	if request == nil {
		// Not a DAS pod: Skip also skips our Filter, and no allocator is needed to schedule it.
		return nil, fwk.NewStatus(fwk.Skip)
	}
	ctx, cancel := context.WithTimeout(ctx, pl.timeout)
	defer cancel()
	response, err := pl.client.PreFilter(ctx, &allocatorpb.PreFilterRequest{Pod: request})
	if err != nil {
		return nil, pl.rpcFailure("PreFilter", err)
	}
	if reason := response.GetPodRejection(); reason != "" {
		// No node can take the pod, and evicting pods (preemption) would not change that.
		return nil, fwk.NewStatus(fwk.UnschedulableAndUnresolvable, reason)
	}
	state.Write(stateKey, &preFilterState{
		request:  request,
		feasible: response.GetFeasibleNodes(),
		rejected: response.GetRejectedNodes(),
	})
	// All nodes go on to Filter, rather than only the feasible ones in a PreFilterResult: nodes cut here
	// would all get one generic message, while Filter reports each node's reason from the allocator.
	return nil, nil
}

// PreFilterExtensions returns nil: the allocator's answer does not change with the pods the scheduler
// adds or removes while it evaluates preemption.
func (pl *DASAllocator) PreFilterExtensions() fwk.PreFilterExtensions { return nil }

// Filter answers from the PreFilter state.
func (pl *DASAllocator) Filter(_ context.Context, state fwk.CycleState, _ *v1.Pod, nodeInfo fwk.NodeInfo) *fwk.Status {
	s, err := readState(state)
	if err != nil {
		return fwk.AsStatus(err)
	}
	node := nodeInfo.Node().Name
	if _, ok := s.feasible[node]; ok {
		return nil
	}
	if reason, ok := s.rejected[node]; ok {
		return fwk.NewStatus(fwk.Unschedulable, reason)
	}
	return fwk.NewStatus(fwk.Unschedulable, "node has no DAS-managed GPU")
}

// PreScore skips Score for pods that did not go through the allocator.
func (pl *DASAllocator) PreScore(_ context.Context, state fwk.CycleState, _ *v1.Pod, _ []fwk.NodeInfo) *fwk.Status {
	if _, err := readState(state); err != nil {
		return fwk.NewStatus(fwk.Skip)
	}
	return nil
}

// Score returns the allocator's score for the node.
func (pl *DASAllocator) Score(_ context.Context, state fwk.CycleState, _ *v1.Pod, nodeInfo fwk.NodeInfo) (int64, *fwk.Status) {
	s, err := readState(state)
	if err != nil {
		return 0, fwk.AsStatus(err)
	}
	// Clamp: the framework rejects the whole cycle when a score is out of range.
	return min(max(s.feasible[nodeInfo.Node().Name], fwk.MinNodeScore), fwk.MaxNodeScore), nil
}

// ScoreExtensions returns nil: the allocator's scores are already 0..100.
func (pl *DASAllocator) ScoreExtensions() fwk.ScoreExtensions { return nil }

// Reserve has the allocator pick GPUs and placements on the chosen node and hold them as assumed.
func (pl *DASAllocator) Reserve(ctx context.Context, state fwk.CycleState, pod *v1.Pod, nodeName string) *fwk.Status {
	s, err := readState(state)
	if err != nil {
		return nil // not a DAS pod
	}
	ctx, cancel := context.WithTimeout(ctx, pl.timeout)
	defer cancel()
	response, err := pl.client.Reserve(ctx, &allocatorpb.ReserveRequest{Pod: s.request, Node: nodeName})
	if err != nil {
		if grpcstatus.Code(err) == codes.FailedPrecondition {
			// The node filled up since PreFilter; the pod is retried when slices are freed or added.
			return fwk.NewStatus(fwk.Unschedulable, grpcstatus.Convert(err).Message())
		}
		return pl.rpcFailure("Reserve", err)
	}
	klog.FromContext(ctx).V(4).Info("DAS allocator reserved slices", "pod", klog.KObj(pod), "node", nodeName, "slices", response.GetSlices())
	return nil
}

// Unreserve drops the allocator's reservation. The framework calls it even when Reserve did not run; the
// RPC is idempotent.
func (pl *DASAllocator) Unreserve(ctx context.Context, state fwk.CycleState, pod *v1.Pod, nodeName string) {
	if _, err := readState(state); err != nil {
		return // not a DAS pod
	}
	// Unreserve often follows a cancelled binding cycle; the reservation must be dropped regardless.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), pl.timeout)
	defer cancel()
	if _, err := pl.client.Unreserve(ctx, &allocatorpb.UnreserveRequest{Pod: podRef(pod), Node: nodeName}); err != nil {
		klog.FromContext(ctx).Error(err, "DAS allocator Unreserve failed", "pod", klog.KObj(pod), "node", nodeName, "socket", pl.socketPath)
	}
}

// PreBindPreFlight tells the framework that PreBind only has work for DAS pods.
func (pl *DASAllocator) PreBindPreFlight(_ context.Context, state fwk.CycleState, _ *v1.Pod, _ string) (*fwk.PreBindPreFlightResult, *fwk.Status) {
	if _, err := readState(state); err != nil {
		return nil, fwk.NewStatus(fwk.Skip)
	}
	// Not run in parallel with other PreBind plugins: keep the configured order simple to reason about.
	return &fwk.PreBindPreFlightResult{AllowParallel: false}, nil
}

// PreBind has the allocator persist the reservation as AllocationClaims before the pod is bound.
func (pl *DASAllocator) PreBind(ctx context.Context, state fwk.CycleState, pod *v1.Pod, nodeName string) *fwk.Status {
	if _, err := readState(state); err != nil {
		return nil // not a DAS pod
	}
	ctx, cancel := context.WithTimeout(ctx, pl.timeout)
	defer cancel()
	response, err := pl.client.PreBind(ctx, &allocatorpb.PreBindRequest{Pod: podRef(pod), Node: nodeName})
	if err != nil {
		return pl.rpcFailure("PreBind", err)
	}
	klog.FromContext(ctx).V(4).Info("DAS allocator stored AllocationClaims", "pod", klog.KObj(pod), "node", nodeName, "claims", response.GetClaimNames())
	return nil
}

// rpcFailure turns a failed RPC into an Error status. Error rather than Unschedulable: the scheduler then
// retries the pod with backoff until the allocator answers again, instead of parking it until some cluster
// event. The pod stays Pending; its PodScheduled condition (reason SchedulerError) and its FailedScheduling
// event carry this message, prefixed by `running <phase> plugin "DASAllocator": `.
func (pl *DASAllocator) rpcFailure(method string, err error) *fwk.Status {
	st := grpcstatus.Convert(err)
	switch st.Code() {
	case codes.Unavailable:
		return fwk.AsStatus(fmt.Errorf("DAS allocator unavailable at %s: %s", pl.socketPath, st.Message()))
	case codes.DeadlineExceeded:
		return fwk.AsStatus(fmt.Errorf("DAS allocator at %s did not answer %s within %s", pl.socketPath, method, pl.timeout))
	default:
		return fwk.AsStatus(fmt.Errorf("DAS allocator %s failed: %s: %s", method, st.Code(), st.Message()))
	}
}

// EventsToRegister lists the cluster events after which a pod this plugin rejected may fit: slices are
// freed when pods go away, and GPUs appear or change with nodes and their NodeAccelerators.
func (pl *DASAllocator) EventsToRegister(_ context.Context) ([]fwk.ClusterEventWithHint, error) {
	return []fwk.ClusterEventWithHint{
		{Event: fwk.ClusterEvent{Resource: fwk.AssignedPod, ActionType: fwk.Delete}, QueueingHintFn: isSchedulableAfterPodDelete},
		{Event: fwk.ClusterEvent{Resource: fwk.Node, ActionType: fwk.Add | fwk.Update}},
		{Event: fwk.ClusterEvent{Resource: nodeAcceleratorsResource, ActionType: fwk.Add | fwk.Update | fwk.Delete}},
		{Event: fwk.ClusterEvent{Resource: allocationClaimsResource, ActionType: fwk.Add | fwk.Update | fwk.Delete}},
	}, nil
}

// isSchedulableAfterPodDelete requeues only when the deleted pod held DAS resources; other pods free no slice.
func isSchedulableAfterPodDelete(logger klog.Logger, pod *v1.Pod, oldObj, newObj interface{}) (fwk.QueueingHint, error) {
	deleted, _, err := schedutil.As[*v1.Pod](oldObj, newObj)
	if err != nil {
		return fwk.Queue, err
	}
	if deleted == nil {
		return fwk.Queue, errors.New("pod delete event without the deleted pod")
	}
	if !hasDASResources(deleted) {
		logger.V(5).Info("deleted pod held no DAS resources", "pod", klog.KObj(pod), "deletedPod", klog.KObj(deleted))
		return fwk.QueueSkip, nil
	}
	return fwk.Queue, nil
}
