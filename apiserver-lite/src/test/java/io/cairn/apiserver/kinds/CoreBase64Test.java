package io.cairn.apiserver.kinds;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The byte offsets Go's {@code base64.StdEncoding} reports, which kube-apiserver puts in its 400. */
class CoreBase64Test {

    @Test
    void validBase64WithOrWithoutLineBreaksDecodes() {
        assertThat(CoreBase64.illegalByte("")).isEqualTo(-1);
        assertThat(CoreBase64.illegalByte("YWRtaW4=")).isEqualTo(-1);
        assertThat(CoreBase64.illegalByte("YWRt\naW4=\n")).isEqualTo(-1);
        assertThat(CoreBase64.decodedLength("YWRtaW4=")).isEqualTo(5);
        assertThat(CoreBase64.decodedLength("YWJj")).isEqualTo(3);
    }

    @Test
    void offsetsMatchGo() {
        assertThat(CoreBase64.illegalByte("admin")).as("a lone trailing character").isEqualTo(4);
        assertThat(CoreBase64.illegalByte("YWJ")).as("a short final quantum without padding").isEqualTo(0);
        assertThat(CoreBase64.illegalByte("APIKEY_BASE64")).as("a character outside the alphabet").isEqualTo(6);
        assertThat(CoreBase64.illegalByte("YQ=")).as("padding cut short").isEqualTo(3);
        assertThat(CoreBase64.illegalByte("Y===")).as("padding too early").isEqualTo(1);
        assertThat(CoreBase64.illegalByte("YQ==YQ==")).as("data after the padding").isEqualTo(4);
    }
}
