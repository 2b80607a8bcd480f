package com.redhat.das.webhook.tls;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
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
 * files in place. Each handshake reads the two files (a few KB, little next to the handshake itself) and re-loads
 * the pair when their digests differ from the pair in use: modification time and size alone miss a rewrite of the
 * same length within the file system's timestamp granularity. Connections already open keep their session; new ones get the new certificate, so nothing is
 * dropped. A pair that cannot be read or does not match (caught mid-rotation) is not served: the previous one stays
 * until a later check finds a good pair.
 */
public final class ReloadingKeyManager extends X509ExtendedKeyManager {

    private static final Logger LOG = LoggerFactory.getLogger(ReloadingKeyManager.class);
    private static final String ALIAS_PREFIX = "serving-";

    /** One read of the files; its alias names the generation, so chain and key of one handshake always match. */
    private record Loaded(PemCredential credential, FileDigest certificateDigest, FileDigest keyDigest, long generation) {
        String alias() {
            return ALIAS_PREFIX + generation;
        }
    }

    private record FileDigest(String sha256) {
        static FileDigest of(Path file) throws IOException {
            try {
                return new FileDigest(HexFormat.of().formatHex(
                        MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file))));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every JDK has SHA-256", e);
            }
        }
    }

    private final Path certificateFile;
    private final Path keyFile;
    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong reloadFailures = new AtomicLong();
    private volatile Loaded loaded;
    // The generation before the current one: a handshake that chose its alias just before a reload still finds it.
    private volatile Loaded previous;
    private volatile FileDigest[] lastFailedDigests;

    /** Reads the files once; fails when they do not hold a matching certificate and key. */
    public ReloadingKeyManager(Path certificateFile, Path keyFile) throws IOException, GeneralSecurityException {
        this.certificateFile = Objects.requireNonNull(certificateFile, "certificateFile");
        this.keyFile = Objects.requireNonNull(keyFile, "keyFile");
        FileDigest certificateDigest = FileDigest.of(certificateFile);
        FileDigest keyDigest = FileDigest.of(keyFile);
        this.loaded = new Loaded(PemCredential.read(certificateFile, keyFile), certificateDigest, keyDigest, 0);
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
        FileDigest certificateDigest;
        FileDigest keyDigest;
        try {
            certificateDigest = FileDigest.of(certificateFile);
            keyDigest = FileDigest.of(keyFile);
        } catch (IOException e) {
            return now; // Files briefly missing while the kubelet swaps the mount: keep serving.
        }
        if (certificateDigest.equals(now.certificateDigest()) && keyDigest.equals(now.keyDigest())) {
            return now;
        }
        synchronized (this) {
            now = loaded;
            if (certificateDigest.equals(now.certificateDigest()) && keyDigest.equals(now.keyDigest())) {
                return now;
            }
            FileDigest[] failed = lastFailedDigests;
            if (failed != null && failed[0].equals(certificateDigest) && failed[1].equals(keyDigest)) {
                return now; // Already tried this exact pair; wait for the files to change again.
            }
            try {
                Loaded fresh = new Loaded(PemCredential.read(certificateFile, keyFile), certificateDigest, keyDigest,
                        now.generation() + 1);
                previous = now;
                loaded = fresh;
                lastFailedDigests = null;
                reloads.incrementAndGet();
                LOG.info("serving certificate reloaded: subject {}, serial {}, valid until {}",
                        fresh.credential().chain().getFirst().getSubjectX500Principal(),
                        fresh.credential().chain().getFirst().getSerialNumber().toString(16),
                        fresh.credential().chain().getFirst().getNotAfter().toInstant());
                return fresh;
            } catch (IOException | GeneralSecurityException | RuntimeException e) {
                lastFailedDigests = new FileDigest[] {certificateDigest, keyDigest};
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
