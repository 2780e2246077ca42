package io.ragway.index;

import java.util.List;
import java.util.Objects;

/**
 * Where the Solr index lives: a SolrCloud reached through its nodes' URLs, and the collection that
 * holds the chunks (created with this many shards and replicas of each when absent).
 *
 * @param urls base URLs of one or more Solr nodes, e.g. {@code http://solr1:8983/solr}; the client
 *     learns the cluster's state from whichever answers
 * @param collection the collection's name
 * @param shards shards of a collection ragway creates
 * @param replicas copies of each shard of a collection ragway creates; 2 or more survive a node's loss
 */
public record SolrConfig(List<String> urls, String collection, int shards, int replicas) {

  public SolrConfig {
    urls = List.copyOf(Objects.requireNonNull(urls, "urls"));
    if (urls.isEmpty()) {
      throw new IllegalArgumentException("index.solr.urls must name at least one Solr node, e.g. http://localhost:8983/solr");
    }
    for (String u : urls) {
      if (!u.startsWith("http://") && !u.startsWith("https://")) {
        throw new IllegalArgumentException("index.solr.urls: '" + u + "' is not an http(s) URL");
      }
    }
    if (collection == null || !collection.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
      throw new IllegalArgumentException("index.solr.collection must be letters, digits, '.', '_' or '-', got '" + collection + "'");
    }
    if (shards < 1 || replicas < 1) {
      throw new IllegalArgumentException("index.solr.shards and index.solr.replicas must be >= 1");
    }
  }

  /** The same cluster, another collection. */
  public SolrConfig withCollection(String name) {
    return new SolrConfig(urls, name, shards, replicas);
  }
}
