package io.ragway.testkit;

import io.ragway.state.Redis;
import io.ragway.state.StateConfig;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A redis-server for a test class ({@code @RegisterExtension static final RedisExtension REDIS}),
 * a fresh key prefix for each test, and the clients its tests connect, closed after each test.
 */
public final class RedisExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {

  /** The client timeout the tests use unless they say otherwise. */
  public static final int TIMEOUT_MS = 2000;

  private RedisServer server;
  private String prefix;
  private final List<Redis> clients = new CopyOnWriteArrayList<>();

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    server = RedisServer.launch();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    server.close();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    prefix = "t" + System.nanoTime(); // a fresh key space per test
  }

  @Override
  public void afterEach(ExtensionContext context) {
    clients.forEach(Redis::close);
    clients.clear();
  }

  /** The server, to stop and start again in tests of Redis going away. */
  public RedisServer server() {
    return server;
  }

  /** This test's key prefix. */
  public String prefix() {
    return prefix;
  }

  /** A client of this test's key space, closed after the test. */
  public Redis connect(StateConfig.Fail fail) {
    return connect(TIMEOUT_MS, prefix, fail);
  }

  /** A client with its own timeout and key prefix, closed after the test. */
  public Redis connect(int timeoutMs, String keyPrefix, StateConfig.Fail fail) {
    Redis r = Redis.connect(new StateConfig.Redis(server.url(), timeoutMs, keyPrefix, fail));
    clients.add(r);
    return r;
  }

  /** Waits up to 10 s until every client is connected again: Lettuce reconnects in the background. */
  public static void awaitUp(Redis... redis) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!List.of(redis).stream().allMatch(Redis::up) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
  }
}
