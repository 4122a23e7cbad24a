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

class ConfigMapStrategyTest {
    private final ConfigMapStrategy strategy = new ConfigMapStrategy();

    @Test
    void badKeyIsReportedUnderItsDataPath() {
        ObjectNode cm = json("{'metadata':{'name':'app'},'data':{'app.properties':'a=1','bad key':'x'}}");
        assertThat(printed(strategy.validate(cm, null))).containsExactly(
                "data[bad key]: Invalid value: \"bad key\": a valid config key must consist of alphanumeric "
                        + "characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used "
                        + "for validation is '[-._a-zA-Z0-9]+')");
    }

    @Test
    void keyMayNotBeInBothDataAndBinaryData() {
        ObjectNode cm = json("{'metadata':{'name':'app'},'data':{'logo':'x'},'binaryData':{'logo':'iVBORw0KGgo='}}");
        assertThat(printed(strategy.validate(cm, null))).containsExactly(
                "data[logo]: Invalid value: \"logo\": duplicate of key present in binaryData");
    }

    @Test
    void binaryDataThatIsNotBase64IsABadRequest() {
        ObjectNode cm = json("{'metadata':{'name':'app'},'binaryData':{'logo':'not base64'}}");
        assertThatThrownBy(() -> strategy.validate(cm, null)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.code()).isEqualTo(400);
            assertThat(e.getMessage()).isEqualTo("ConfigMap in version \"v1\" cannot be handled as a ConfigMap: "
                    + "illegal base64 data at input byte 3");
        });
    }

    @Test
    void immutableConfigMapRefusesDataChangesAndUnsettingTheFlag() {
        ObjectNode old = json("{'metadata':{'name':'app'},'immutable':true,'data':{'mode':'prod'}}");
        ObjectNode sameData = json("{'metadata':{'name':'app','labels':{'a':'b'}},'immutable':true,"
                + "'data':{'mode':'prod'}}");
        assertThat(strategy.validate(sameData, old)).isEmpty();

        ObjectNode changed = json("{'metadata':{'name':'app'},'immutable':false,'data':{'mode':'dev'}}");
        assertThat(printed(strategy.validate(changed, old))).containsExactly(
                "immutable: Forbidden: field is immutable when `immutable` is set",
                "data: Forbidden: field is immutable when `immutable` is set");

        ObjectNode mutableOld = json("{'metadata':{'name':'app'},'data':{'mode':'prod'}}");
        assertThat(strategy.validate(changed, mutableOld)).isEmpty();
    }

    @Test
    void tableRowCountsDataAndBinaryData() {
        ObjectNode cm = json("{'metadata':{'name':'kube-root-ca.crt','creationTimestamp':'" + CREATED + "'},"
                + "'data':{'ca.crt':'-----BEGIN CERTIFICATE-----'},'binaryData':{'logo':'iVBORw0KGgo='}}");
        assertThat(strategy.cells(cm, NOW)).containsExactly("kube-root-ca.crt", 2L, "5m");
    }
}
