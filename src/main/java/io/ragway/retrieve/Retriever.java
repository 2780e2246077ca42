package io.ragway.retrieve;

import java.util.List;

/** Finds the chunks that best answer a query. */
public interface Retriever {

  /** Returns at most {@code request.k()} chunks, best first, ranks from 1. */
  List<Retrieved> retrieve(SearchRequest request);

  /** Retrieves as {@link #retrieve} does, and says what each step ranked and with which settings. */
  default Retrieval explain(SearchRequest request) {
    return Retrieval.of(retrieve(request), request);
  }
}
