package com.redhat.das.webhook.tls;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the certificate in two PEM files and picks up new files on the next handshake.
 *
 * <p>Secrets are rotated by cert-manager or OpenShift's service CA while the pod runs; the kubelet swaps the mounted
 * files in place. Each handshake looks at the files' modification times and sizes (cheap) and re-reads them when
 * either changed. Connections already open keep their session; new ones get the new certificate, so nothing is
 * dropped. A pair that cannot be read or does not match (caught mid-rotation) is not served: the previous one stays
 * until a later check finds a good pair.
 */
public final class ReloadingKeyManager extends X509ExtendedKeyManager {

    private static final Logger LOG = LoggerFactory.getLogger(ReloadingKeyManager.class);
    private static final String ALIAS_PREFIX = "serving-";

    /** One read of the files; its alias names the generation, so chain and key of one handshake always match. */
    private record Loaded(PemCredential credential, FileStamp certificateStamp, FileStamp keyStamp, long generation) {
        String alias() {
            return ALIAS_PREFIX + generation;
        }
    }

    private record FileStamp(FileTime modified, long size) {
        static FileStamp of(Path file) throws IOException {
            return new FileStamp(Files.getLastModifiedTime(file), Files.size(file));
        }
    }

    private final Path certificateFile;
    private final Path keyFile;
    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong reloadFailures = new AtomicLong();
    private volatile Loaded loaded;
    // The generation before the current one: a handshake that chose its alias just before a reload still finds it.
    private volatile Loaded previous;
    private volatile FileStamp[] lastFailedStamps;

    /** Reads the files once; fails when they do not hold a matching certificate and key. */
    public ReloadingKeyManager(Path certificateFile, Path keyFile) throws IOException, GeneralSecurityException {
        this.certificateFile = Objects.requireNonNull(certificateFile, "certificateFile");
        this.keyFile = Objects.requireNonNull(keyFile, "keyFile");
        FileStamp certificateStamp = FileStamp.of(certificateFile);
        FileStamp keyStamp = FileStamp.of(keyFile);
        this.loaded = new Loaded(PemCredential.read(certificateFile, keyFile), certificateStamp, keyStamp, 0);
    }

    /** The certificate now served (the first of the chain). */
    public X509Certificate currentCertificate() {
        return current().credential().chain().getFirst();
    }

    public long reloads() {
        return reloads.get();
    }

    public long reloadFailures() {
        return reloadFailures.get();
    }

    /** The pair to serve, re-read first when the files changed since the last read. */
    private Loaded current() {
        Loaded now = loaded;
        FileStamp certificateStamp;
        FileStamp keyStamp;
        try {
            certificateStamp = FileStamp.of(certificateFile);
            keyStamp = FileStamp.of(keyFile);
        } catch (IOException e) {
            return now; // Files briefly missing while the kubelet swaps the mount: keep serving.
        }
        if (certificateStamp.equals(now.certificateStamp()) && keyStamp.equals(now.keyStamp())) {
            return now;
        }
        synchronized (this) {
            now = loaded;
            if (certificateStamp.equals(now.certificateStamp()) && keyStamp.equals(now.keyStamp())) {
                return now;
            }
            FileStamp[] failed = lastFailedStamps;
            if (failed != null && failed[0].equals(certificateStamp) && failed[1].equals(keyStamp)) {
                return now; // Already tried this exact pair; wait for the files to change again.
            }
            try {
                Loaded fresh = new Loaded(PemCredential.read(certificateFile, keyFile), certificateStamp, keyStamp,
                        now.generation() + 1);
                previous = now;
                loaded = fresh;
                lastFailedStamps = null;
                reloads.incrementAndGet();
                LOG.info("serving certificate reloaded: subject {}, serial {}, valid until {}",
                        fresh.credential().chain().getFirst().getSubjectX500Principal(),
                        fresh.credential().chain().getFirst().getSerialNumber().toString(16),
                        fresh.credential().chain().getFirst().getNotAfter().toInstant());
                return fresh;
            } catch (IOException | GeneralSecurityException | RuntimeException e) {
                lastFailedStamps = new FileStamp[] {certificateStamp, keyStamp};
                reloadFailures.incrementAndGet();
                LOG.warn("keeping the previous serving certificate: cannot use the new files: {}", e.toString());
                return now;
            }
        }
    }

    private String aliasFor(String keyType) {
        Loaded serving = current();
        String algorithm = serving.credential().privateKey().getAlgorithm();
        if (keyType == null) {
            return serving.alias();
        }
        boolean matches = keyType.equals(algorithm)
                || keyType.startsWith(algorithm + "_")
                || (algorithm.equals("RSA") && keyType.equals("RSASSA-PSS"))
                || (algorithm.equals("ECDSA") && keyType.startsWith("EC"));
        return matches ? serving.alias() : null;
    }

    private Loaded byAlias(String alias) {
        Loaded now = loaded;
        if (now.alias().equals(alias)) {
            return now;
        }
        Loaded before = previous;
        return before != null && before.alias().equals(alias) ? before : null;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return aliasFor(keyType);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return aliasFor(keyType);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        String alias = aliasFor(keyType);
        return alias == null ? null : new String[] {alias};
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        Loaded pair = byAlias(alias);
        return pair == null ? null : pair.credential().chain().toArray(X509Certificate[]::new);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        Loaded pair = byAlias(alias);
        return pair == null ? null : pair.credential().privateKey();
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return null;
    }
}
