package io.ragway.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Jackson mappers for code that runs on virtual threads. Jackson recycles its parse and write
 * buffers per thread by default; a virtual thread lives for one request, so every request would
 * allocate them afresh. These mappers share one bounded pool across threads instead.
 */
public final class JsonMappers {

  private JsonMappers() {}

  /** A plain {@link ObjectMapper} whose buffers come from a pool shared by all threads. */
  public static ObjectMapper create() {
    return new ObjectMapper(JsonFactory.builder().recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool()).build());
  }
}
