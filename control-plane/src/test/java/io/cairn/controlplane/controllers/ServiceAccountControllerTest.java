package io.cairn.controlplane.controllers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.apiserver.api.ApiException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ServiceAccountControllerTest extends CtrlTestSupport.EnvTest {
    private boolean hasDefault(String ns) {
        try {
            env.client.resource("v1", "serviceaccounts").namespace(ns).get("default");
            return true;
        } catch (ApiException e) {
            return false;
        }
    }

    @Test
    void everyNamespaceGetsADefaultServiceAccountAgainAfterItIsDeletedAndAcrossARestart() throws Exception {
        env = new CtrlTestSupport(dir);
        env.startInformers();
        env.createNamespace("before");
        try (ServiceAccountController c = new ServiceAccountController(env.client, env.informers)) {
            c.start(1);
            await().atMost(Duration.ofSeconds(20)).until(() -> hasDefault("before") && hasDefault("default"));
            env.createNamespace("after");
            await().atMost(Duration.ofSeconds(20)).until(() -> hasDefault("after"));
            env.client.resource("v1", "serviceaccounts").namespace("after").delete("default");
            await().atMost(Duration.ofSeconds(20)).until(() -> hasDefault("after"));
        }
        env.createNamespace("while-down");
        assertThat(hasDefault("while-down")).isFalse();
        try (ServiceAccountController c = new ServiceAccountController(env.client, env.informers)) {
            c.start(1);
            await().atMost(Duration.ofSeconds(20)).until(() -> hasDefault("while-down"));
        }
    }
}
