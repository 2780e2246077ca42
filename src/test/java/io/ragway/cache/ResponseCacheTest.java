package io.ragway.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ResponseCacheTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode json(String s) throws Exception {
    return JSON.readTree(s);
  }

  @Test
  void keyIgnoresFieldOrderAndIrrelevantFieldsButNotContent() throws Exception {
    String a = ResponseCaches.exactKey(json("{\"model\":\"m\",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"user\":\"u1\"}"),
        "t", false, false).orElseThrow();
    String b = ResponseCaches.exactKey(json("{\"messages\":[{\"content\":\"hi\",\"role\":\"user\"}],\"temperature\":0.0,\"model\":\"m\",\"user\":\"u2\"}"),
        "t", false, false).orElseThrow();
    assertEquals(a, b);
    String other = ResponseCaches.exactKey(json("{\"model\":\"m\",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}"),
        "t", false, false).orElseThrow();
    assertNotEquals(a, other);
    String otherTenant = ResponseCaches.exactKey(json("{\"model\":\"m\",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"),
        "t2", false, false).orElseThrow();
    assertNotEquals(a, otherTenant, "tenants never share entries");
  }

  @Test
  void sampledRequestsAreNotCachedUnlessAllowedOrDeterministic() throws Exception {
    JsonNode sampled = json("{\"model\":\"m\",\"messages\":[]}"); // OpenAI's default temperature is 1
    assertEquals(Optional.empty(), ResponseCaches.exactKey(sampled, "t", false, false));
    assertTrue(ResponseCaches.exactKey(sampled, "t", false, true).isPresent());
    assertTrue(ResponseCaches.exactKey(sampled, "t", true, false).isPresent());
  }

  @Test
  void entriesExpireOnTheFakeClockAndTheCacheStaysBounded() {
    AtomicLong nanos = new AtomicLong();
    CaffeineResponseCache cache = (CaffeineResponseCache) ResponseCaches.inProcess(
        new CacheConfig(true, 100, Duration.ofSeconds(60), false, 0), nanos::get);
    cache.put("t", "k", "v");
    assertEquals(Optional.of("v"), cache.get("t", "k"));
    nanos.addAndGet(Duration.ofSeconds(61).toNanos());
    assertEquals(Optional.empty(), cache.get("t", "k"));
    assertEquals(new ResponseCache.Stats(1, 1), cache.stats());
    for (int i = 0; i < 1000; i++) {
      cache.put("t", "k" + i, "v");
    }
    cache.cleanUp();
    long kept = java.util.stream.IntStream.range(0, 1000).filter(i -> cache.get("t", "k" + i).isPresent()).count();
    assertTrue(kept <= 100, "kept " + kept);
  }

  @Test
  void disabledCacheStoresNothing() {
    ResponseCache none = ResponseCaches.inProcess(new CacheConfig(false, 10, Duration.ofSeconds(1), false, 0), () -> 0);
    none.put("t", "k", "v");
    assertEquals(Optional.empty(), none.get("t", "k"));
  }
}
