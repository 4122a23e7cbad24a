package io.cairn.apiserver.kinds;

import static io.cairn.apiserver.kinds.CoreFixtures.CREATED;
import static io.cairn.apiserver.kinds.CoreFixtures.NOW;
import static io.cairn.apiserver.kinds.CoreFixtures.json;
import static io.cairn.apiserver.kinds.CoreFixtures.printed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.ApiException;
import org.junit.jupiter.api.Test;

class SecretStrategyTest {
    private final SecretStrategy strategy = new SecretStrategy();

    @Test
    void dataThatIsNotBase64IsABadRequestNamingTheByte() {
        // The two values users hit most (from kubernetes/kubernetes#7817 and a cert-manager report): plain text.
        ObjectNode plain = json("{'metadata':{'name':'creds'},'data':{'username':'admin'}}");
        assertThatThrownBy(() -> strategy.validate(plain, null)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.code()).isEqualTo(400);
            assertThat(e.reason()).isEqualTo("BadRequest");
            assertThat(e.getMessage()).isEqualTo(
                    "Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data at input byte 4");
        });
        ObjectNode placeholder = json("{'metadata':{'name':'pdns'},'data':{'key':'APIKEY_BASE64'}}");
        assertThatThrownBy(() -> strategy.validate(placeholder, null)).hasMessageEndingWith("at input byte 6");
    }

    @Test
    void stringDataIsEncodedIntoDataAndTypeDefaultsToOpaque() {
        ObjectNode secret = json("{'metadata':{'name':'creds'},'data':{'username':'b2xk'},"
                + "'stringData':{'username':'admin','password':'s3cr3t'}}");
        strategy.applyDefaults(secret);
        assertThat(secret.has("stringData")).isFalse();
        assertThat(secret.get("data")).isEqualTo(json("{'username':'YWRtaW4=','password':'czNjcjN0'}"));
        assertThat(secret.get("type").asText()).isEqualTo("Opaque");
        assertThat(strategy.validate(secret, null)).isEmpty();
    }

    @Test
    void badKeyAndMissingTlsKeysAreFieldErrors() {
        ObjectNode secret = json("{'metadata':{'name':'tls'},'type':'kubernetes.io/tls','data':{'tls crt':'eA=='}}");
        assertThat(printed(strategy.validate(secret, null))).containsExactly(
                "data[tls crt]: Invalid value: \"tls crt\": a valid config key must consist of alphanumeric "
                        + "characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used "
                        + "for validation is '[-._a-zA-Z0-9]+')",
                "data[tls.crt]: Required value",
                "data[tls.key]: Required value");
    }

    @Test
    void typeNeverChangesAndImmutableDataStays() {
        ObjectNode old = json("{'metadata':{'name':'s'},'type':'Opaque','immutable':true,'data':{'a':'eA=='}}");
        ObjectNode update = json("{'metadata':{'name':'s'},'type':'kubernetes.io/tls','immutable':true,"
                + "'data':{'a':'eQ==','tls.crt':'eA==','tls.key':'eA=='}}");
        assertThat(printed(strategy.validate(update, old))).containsExactly(
                "type: Invalid value: \"kubernetes.io/tls\": field is immutable",
                "data: Forbidden: field is immutable when `immutable` is set");
    }

    @Test
    void tableRowAndTypeFieldSelector() {
        ObjectNode secret = json("{'metadata':{'name':'web-tls','creationTimestamp':'" + CREATED + "'},"
                + "'type':'kubernetes.io/tls','data':{'tls.crt':'eA==','tls.key':'eQ=='}}");
        assertThat(strategy.cells(secret, NOW)).containsExactly("web-tls", "kubernetes.io/tls", 2L, "5m");
        assertThat(strategy.fieldValue(secret, "type")).contains("kubernetes.io/tls");
    }
}
