package com.redhat.das.webhook.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ReloadingKeyManagerTest {

    private static final TestCertificates CA = TestCertificates.newCa("reload-test-ca");

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"RSA", "EC"})
    void readsPkcs8Keys(String algorithm) throws Exception {
        TestCertificates.Issued issued = CA.issueServing("webhook", algorithm);
        Path certificate = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");

        TestCertificates.writePem(issued, certificate, key);

        assertThat(new ReloadingKeyManager(certificate, key).currentCertificate()).isEqualTo(issued.certificate());
    }

    @Test
    void readsPkcs1RsaKeysAsCertManagerWritesThem() throws Exception {
        TestCertificates.Issued issued = CA.issueServing("webhook", "RSA");
        Path certificate = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");

        TestCertificates.writeLegacyPem(issued, certificate, key);

        assertThat(java.nio.file.Files.readString(key)).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        assertThat(new ReloadingKeyManager(certificate, key).currentCertificate()).isEqualTo(issued.certificate());
    }

    @Test
    void servesTheNewPairOnceBothFilesChanged() throws Exception {
        Path certificate = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        TestCertificates.Issued first = CA.issueServing("first", "RSA");
        TestCertificates.writePem(first, certificate, key);
        ReloadingKeyManager manager = new ReloadingKeyManager(certificate, key);

        TestCertificates.Issued second = CA.issueServing("second", "RSA");
        TestCertificates.writePem(second, certificate, key);

        assertThat(manager.currentCertificate()).isEqualTo(second.certificate());
        assertThat(manager.reloads()).isEqualTo(1);
        String alias = manager.chooseEngineServerAlias("RSA", null, null);
        assertThat(manager.getCertificateChain(alias)).containsExactly(second.certificate());
        assertThat(manager.getPrivateKey(alias)).isEqualTo(second.keys().getPrivate());
    }

    @Test
    void keepsThePreviousPairWhileCertificateAndKeyDoNotMatch() throws Exception {
        Path certificate = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        TestCertificates.Issued first = CA.issueServing("first", "EC");
        TestCertificates.writePem(first, certificate, key);
        ReloadingKeyManager manager = new ReloadingKeyManager(certificate, key);

        // Mid-rotation: the new certificate is there, its key is not yet.
        TestCertificates.Issued second = CA.issueServing("second", "EC");
        TestCertificates.replace(certificate, TestCertificates.pem(second.certificate()));
        assertThat(manager.currentCertificate()).isEqualTo(first.certificate());
        assertThat(manager.reloadFailures()).isEqualTo(1);
        assertThat(manager.currentCertificate()).as("the same bad pair is not re-read").isEqualTo(first.certificate());
        assertThat(manager.reloadFailures()).isEqualTo(1);

        TestCertificates.writePem(second, certificate, key);
        assertThat(manager.currentCertificate()).isEqualTo(second.certificate());
    }

    @Test
    void keyTypeDecidesWhetherTheAliasFits() throws Exception {
        Path certificate = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        TestCertificates.writePem(CA.issueServing("ec", "EC"), certificate, key);
        ReloadingKeyManager manager = new ReloadingKeyManager(certificate, key);

        assertThat(manager.chooseEngineServerAlias("EC", null, null)).isNotNull();
        assertThat(manager.chooseEngineServerAlias("RSA", null, null)).isNull();
        assertThat(manager.getCertificateChain("someone-else")).isNull();
    }

    @Test
    void refusesToStartWithAKeyOfAnotherCertificate() {
        Path certificate = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        TestCertificates.writePem(CA.issueServing("a", "RSA"), certificate, key);
        TestCertificates.replace(key, TestCertificates.pkcs8Pem(CA.issueServing("b", "RSA").keys().getPrivate()));

        assertThatThrownBy(() -> new ReloadingKeyManager(certificate, key))
                .isInstanceOf(GeneralSecurityException.class)
                .hasMessageContaining("does not belong to the certificate");
    }
}
