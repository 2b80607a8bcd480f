/**
 * The DAS custom resources, group {@code inference.redhat.com}, version {@code v1alpha1}.
 *
 * <p>The field names match the reference operator (openshift/instaslice-operator) so that tools written for it keep
 * working; unlike the reference, every spec is typed and validated by the API server. The CRD YAML is generated
 * from these classes at build time (fabric8 crd-generator) into {@code META-INF/fabric8/}.
 */
package com.redhat.das.api.v1alpha1;
