package io.ragway.retrieve;

import io.ragway.index.Filter;
import java.util.Objects;

/**
 * One search: the query, how to search, how many results, and which chunks may be returned.
 *
 * @param k number of chunks to return
 * @param mmr whether to diversify the results with maximal marginal relevance
 */
public record SearchRequest(String query, SearchMode mode, int k, Filter filter, boolean mmr) {

  public SearchRequest {
    Objects.requireNonNull(query, "query");
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(filter, "filter");
    if (query.isBlank()) {
      throw new IllegalArgumentException("the query is empty");
    }
    if (k < 1 || k > 1000) {
      throw new IllegalArgumentException("k must be in [1, 1000], got " + k);
    }
  }

  public static SearchRequest of(String query, SearchMode mode, int k) {
    return new SearchRequest(query, mode, k, Filter.all(), false);
  }
}
