package io.ragway.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ragway.config.ConfigException;
import io.ragway.config.ConfigLoader;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StateConfigTest {

  @Test
  void stateStaysInProcessUnlessRedisIsAskedFor() {
    StateConfig state = ConfigLoader.parse("tenant: t\n", "test", k -> null).state();
    assertFalse(state.onRedis());
    assertEquals(StateConfig.FailMode.OPEN, state.redis().fail().of(StateConfig.Store.LIMITS));
    assertEquals(StateConfig.FailMode.CLOSED, state.redis().fail().of(StateConfig.Store.SESSIONS));
  }

  @Test
  void readsTheRedisSectionWithEnvironmentVariables() {
    StateConfig state = ConfigLoader.parse("""
        state:
          backend: redis
          redis:
            url: ${REDIS_URL}
            timeout_ms: 100
            prefix: prod-eu
            fail: {limits: closed, sessions: open}
        """, "test", Map.of("REDIS_URL", "redis://10.0.0.5:6380")::get).state();
    assertTrue(state.onRedis());
    assertEquals("redis://10.0.0.5:6380", state.redis().url());
    assertEquals(100, state.redis().timeoutMs());
    assertEquals("prod-eu", state.redis().prefix());
    assertEquals(StateConfig.FailMode.CLOSED, state.redis().fail().of(StateConfig.Store.LIMITS));
    assertEquals(StateConfig.FailMode.OPEN, state.redis().fail().of(StateConfig.Store.SESSIONS));
    assertEquals(StateConfig.FailMode.OPEN, state.redis().fail().of(StateConfig.Store.CACHES));
  }

  @Test
  void refusesBadSettingsWithTheKeyNamed() {
    assertMessage("state.backend must be memory or redis", "state: {backend: memcached}");
    assertMessage("state.redis.url must start with redis://", "state: {redis: {url: 'http://x:1'}}");
    assertMessage("state.redis.fail.caches must be open", "state: {redis: {fail: {caches: closed}}}");
    assertMessage("state.redis.fail.limits must be open or closed", "state: {redis: {fail: {limits: maybe}}}");
    assertMessage("state.redis.timeout_ms must be between", "state: {redis: {timeout_ms: 0}}");
    assertMessage("state.redis.prefix must be", "state: {redis: {prefix: 'a b'}}");
  }

  private static void assertMessage(String expected, String yaml) {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, "test", k -> null));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }
}
