package io.cairn.apiserver.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.Json;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * Service account tokens as kube-apiserver issues them (the TokenRequest API, {@code kubectl create token}): JWTs
 * signed ES256 with the cluster's service-account key ({@code pki/sa.key}, made on first start), naming the account
 * ({@code sub} = {@code system:serviceaccount:<namespace>:<name>}) and its uid, with an issuer, audiences and an expiry.
 * A token authenticates only while it is unexpired and its account still exists with that uid (it is bound to it).
 */
public final class ServiceAccountTokens {
    public static final String ISSUER = "https://kubernetes.default.svc.cluster.local";
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();
    private static final int FIELD_BYTES = 32;

    private final PrivateKey privateKey;
    private final PublicKey publicKey;
    private final String keyId;

    /** What a valid token says. */
    public record Claims(String namespace, String name, String uid, List<String> audiences, Instant expiry) {
        public String userName() {
            return "system:serviceaccount:" + namespace + ":" + name;
        }
    }

    private ServiceAccountTokens(PrivateKey privateKey, PublicKey publicKey) throws GeneralSecurityException {
        this.privateKey = privateKey;
        this.publicKey = publicKey;
        this.keyId = B64.encodeToString(MessageDigest.getInstance("SHA-256").digest(publicKey.getEncoded()));
    }

    /** The key pair in {@code pkiDir} ({@code sa.key}, {@code sa.pub}), made on first use. */
    public static ServiceAccountTokens loadOrCreate(Path pkiDir) throws IOException {
        Path keyFile = pkiDir.resolve("sa.key");
        Path pubFile = pkiDir.resolve("sa.pub");
        try {
            if (Files.exists(keyFile) && Files.exists(pubFile)) {
                PrivateKey key = Pem.parsePrivateKey(Files.readAllBytes(keyFile), keyFile.toString());
                String pem = Files.readString(pubFile).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
                PublicKey pub = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(
                        Base64.getDecoder().decode(pem)));
                return new ServiceAccountTokens(key, pub);
            }
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
            KeyPair pair = g.generateKeyPair();
            SecureFiles.createDirectory(pkiDir, SecureFiles.OWNER_ONLY_DIR);
            SecureFiles.writeAtomically(keyFile, Pem.privateKey(pair.getPrivate()), SecureFiles.OWNER_ONLY);
            SecureFiles.writeAtomically(pubFile, Pem.encode("PUBLIC KEY", pair.getPublic().getEncoded()),
                    SecureFiles.PUBLIC_READ);
            return new ServiceAccountTokens(pair.getPrivate(), pair.getPublic());
        } catch (GeneralSecurityException e) {
            throw new IOException("the service account key in " + pkiDir + " is not usable: " + e.getMessage(), e);
        }
    }

    /** A signed token for the account, valid for {@code seconds} from {@code now}. */
    public String issue(String namespace, String name, String uid, List<String> audiences, long seconds, Instant now) {
        ObjectNode header = JsonNodeFactory.instance.objectNode();
        header.put("alg", "ES256");
        header.put("kid", keyId);
        ObjectNode claims = JsonNodeFactory.instance.objectNode();
        ArrayNode aud = claims.putArray("aud");
        audiences.forEach(aud::add);
        claims.put("exp", now.getEpochSecond() + seconds);
        claims.put("iat", now.getEpochSecond());
        claims.put("iss", ISSUER);
        claims.put("nbf", now.getEpochSecond());
        claims.put("sub", "system:serviceaccount:" + namespace + ":" + name);
        ObjectNode k8s = claims.putObject("kubernetes.io");
        k8s.put("namespace", namespace);
        k8s.putObject("serviceaccount").put("name", name).put("uid", uid);
        String signingInput = B64.encodeToString(Json.bytes(header)) + "." + B64.encodeToString(Json.bytes(claims));
        try {
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initSign(privateKey);
            s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + B64.encodeToString(derToJose(s.sign()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign a service account token", e);
        }
    }

    /** The claims of {@code token} if it is ours, well signed, and valid at {@code now}; empty otherwise. */
    public Optional<Claims> verify(String token, Instant now) {
        String[] parts = token.split("\\.");
        if (parts.length != 3) {
            return Optional.empty();
        }
        try {
            JsonNode header = Json.parse(B64D.decode(parts[0]), false);
            if (!"ES256".equals(header.path("alg").asText())) {
                return Optional.empty();
            }
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initVerify(publicKey);
            s.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            byte[] sig = B64D.decode(parts[2]);
            if (sig.length != 2 * FIELD_BYTES || !s.verify(joseToDer(sig))) {
                return Optional.empty();
            }
            JsonNode c = Json.parse(B64D.decode(parts[1]), false);
            long t = now.getEpochSecond();
            if (!ISSUER.equals(c.path("iss").asText()) || c.path("exp").asLong(0) <= t || c.path("nbf").asLong(0) > t + 60) {
                return Optional.empty();
            }
            JsonNode k8s = c.path("kubernetes.io");
            List<String> aud = new ArrayList<>();
            c.path("aud").forEach(a -> aud.add(a.asText()));
            return Optional.of(new Claims(k8s.path("namespace").asText(), k8s.path("serviceaccount").path("name").asText(),
                    k8s.path("serviceaccount").path("uid").asText(), aud, Instant.ofEpochSecond(c.path("exp").asLong())));
        } catch (RuntimeException | GeneralSecurityException | IOException e) {
            return Optional.empty();
        }
    }

    /** JWS wants ECDSA's (r, s) as two fixed-width integers, the JDK gives a DER sequence. */
    private static byte[] derToJose(byte[] der) {
        org.bouncycastle.asn1.ASN1Sequence seq = org.bouncycastle.asn1.ASN1Sequence.getInstance(der);
        byte[] out = new byte[2 * FIELD_BYTES];
        copyFixed(((org.bouncycastle.asn1.ASN1Integer) seq.getObjectAt(0)).getValue(), out, 0);
        copyFixed(((org.bouncycastle.asn1.ASN1Integer) seq.getObjectAt(1)).getValue(), out, FIELD_BYTES);
        return out;
    }

    private static void copyFixed(BigInteger v, byte[] out, int offset) {
        byte[] b = v.toByteArray();
        int start = Math.max(0, b.length - FIELD_BYTES);
        int len = b.length - start;
        System.arraycopy(b, start, out, offset + FIELD_BYTES - len, len);
    }

    private static byte[] joseToDer(byte[] jose) throws IOException {
        BigInteger r = new BigInteger(1, java.util.Arrays.copyOfRange(jose, 0, FIELD_BYTES));
        BigInteger s = new BigInteger(1, java.util.Arrays.copyOfRange(jose, FIELD_BYTES, 2 * FIELD_BYTES));
        return new org.bouncycastle.asn1.DERSequence(new org.bouncycastle.asn1.ASN1Encodable[] {
                new org.bouncycastle.asn1.ASN1Integer(r), new org.bouncycastle.asn1.ASN1Integer(s)}).getEncoded();
    }
}
