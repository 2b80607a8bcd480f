package dasplugin

import (
	"strings"

	v1 "k8s.io/api/core/v1"

	"github.com/redhat-das/das/plugin-shim/pkg/allocatorpb"
)

// Resource name prefixes DAS handles: its own profiles and the NVIDIA device plugin's MIG names.
var dasResourcePrefixes = []string{"mig.das.com/", "nvidia.com/mig-"}

func isDASResource(name v1.ResourceName) bool {
	for _, prefix := range dasResourcePrefixes {
		if strings.HasPrefix(string(name), prefix) {
			return true
		}
	}
	return false
}

// dasResources returns the DAS resources of a resource list as written in the pod, or nil if there are none.
func dasResources(list v1.ResourceList) map[string]string {
	var out map[string]string
	for name, quantity := range list {
		if !isDASResource(name) {
			continue
		}
		if out == nil {
			out = make(map[string]string)
		}
		out[string(name)] = quantity.String()
	}
	return out
}

// podRequest builds what the allocator needs to know about the pod: its identity and, for each container
// that asks for DAS resources, only those resources, in spec order (init containers first, as they run).
// It returns nil for a pod without DAS resources. Containers without DAS resources are left out: they
// contribute nothing to any slice count, and the allocator applies Kubernetes' init/sidecar rules itself.
func podRequest(pod *v1.Pod) *allocatorpb.PodRequest {
	var containers []*allocatorpb.Container
	add := func(c *v1.Container, kind allocatorpb.Container_Kind) {
		limits, requests := dasResources(c.Resources.Limits), dasResources(c.Resources.Requests)
		if limits == nil && requests == nil {
			return
		}
		containers = append(containers, &allocatorpb.Container{
			Name:     c.Name,
			Kind:     kind,
			Limits:   limits,
			Requests: requests,
		})
	}
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		kind := allocatorpb.Container_INIT
		if c.RestartPolicy != nil && *c.RestartPolicy == v1.ContainerRestartPolicyAlways {
			kind = allocatorpb.Container_SIDECAR
		}
		add(c, kind)
	}
	for i := range pod.Spec.Containers {
		add(&pod.Spec.Containers[i], allocatorpb.Container_APP)
	}
	if len(containers) == 0 {
		return nil
	}
	return &allocatorpb.PodRequest{Pod: podRef(pod), Containers: containers}
}

func podRef(pod *v1.Pod) *allocatorpb.PodRef {
	return &allocatorpb.PodRef{Namespace: pod.Namespace, Name: pod.Name, Uid: string(pod.UID)}
}

// hasDASResources tells whether the scheduler would ask the allocator about the pod.
func hasDASResources(pod *v1.Pod) bool {
	return podRequest(pod) != nil
}
