package com.redhat.das.operator.webhook;

import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The two cert-manager kinds the webhook's certificate chain needs, typed only as far as their API coordinates: their
 * specs are free-form maps, since this operator writes a handful of fields and reads none. Typed, not generic,
 * because a generic client asks the API server's discovery for the kind at once, which fails where cert-manager is
 * not installed.
 */
public sealed interface CertManagerObject permits CertManagerObject.Issuer, CertManagerObject.Certificate {

    String GROUP = "cert-manager.io";
    String VERSION = "v1";

    /** A spec as cert-manager's API documents it. */
    final class Spec extends LinkedHashMap<String, Object> {
        public Spec() {
        }

        public Spec(Map<String, Object> fields) {
            super(fields);
        }
    }

    @Group(GROUP)
    @Version(VERSION)
    @Kind("Issuer")
    @Plural("issuers")
    final class Issuer extends CustomResource<Spec, Void> implements Namespaced, CertManagerObject {
    }

    @Group(GROUP)
    @Version(VERSION)
    @Kind("Certificate")
    @Plural("certificates")
    final class Certificate extends CustomResource<Spec, Void> implements Namespaced, CertManagerObject {
    }
}
