package io.qwen4j.server;

import com.openai.client.OpenAIClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Base of the test classes that drive one default {@link TestServer} through the OpenAI SDK, started once per class. */
abstract class DefaultServerSdkTest {

    static TestServer server;
    static OpenAIClient client;

    @BeforeAll
    static void startServer() {
        server = TestServer.start();
        client = server.client();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }
}
