package io.ragway.cache;

class CachesTest extends CachesContract {

  @Override
  protected Caches create(CacheConfig config) {
    return Caches.inProcess(config, System::nanoTime);
  }
}
