package io.ragway.index;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * One retrievable passage of a source document, with what a citation needs to point back into it.
 *
 * @param id stable id: the source's content hash prefix and the chunk's ordinal
 * @param source the document's path relative to the ingested root (or an upload name)
 * @param title the document title (first heading, HTML title, PDF/DOCX metadata, or file name)
 * @param headings the heading path above this chunk, outermost first; empty when none
 * @param text the chunk's text as extracted from the source
 * @param start character offset of the chunk's first character in the source's extracted text
 * @param end character offset just past the chunk's last character
 * @param ordinal position of this chunk within its source, from 0
 * @param sourceHash SHA-256 (hex) of the source file's bytes
 * @param tenant the tenant that owns the document
 * @param tags free-form labels used as search filters
 * @param groups the ACL groups that may read it, sorted; empty when everyone in the tenant may
 */
public record Chunk(
    String id,
    String source,
    String title,
    List<String> headings,
    String text,
    int start,
    int end,
    int ordinal,
    String sourceHash,
    String tenant,
    List<String> tags,
    List<String> groups) {

  public static final String DEFAULT_TENANT = "default";

  public Chunk {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(text, "text");
    title = title == null ? "" : title;
    headings = headings == null ? List.of() : List.copyOf(headings);
    sourceHash = sourceHash == null ? "" : sourceHash;
    tenant = tenant == null || tenant.isBlank() ? DEFAULT_TENANT : tenant;
    tags = tags == null ? List.of() : List.copyOf(tags);
    groups = groups(groups);
    if (start < 0 || end < start) {
      throw new IllegalArgumentException("bad offsets [" + start + ", " + end + ") for " + id);
    }
    if (ordinal < 0) {
      throw new IllegalArgumentException("negative ordinal for " + id);
    }
  }

  /** ACL groups as stored: sorted, distinct, none blank; null is none. */
  public static List<String> groups(Collection<String> groups) {
    if (groups == null) {
      return List.of();
    }
    for (String g : groups) {
      if (g == null || g.isBlank()) {
        throw new IllegalArgumentException("an ACL group name is empty");
      }
    }
    return List.copyOf(new TreeSet<>(groups));
  }

  /**
   * The text given to the embedding model: title and heading path, then the chunk, so a short
   * chunk under "Install > Linux" is found by a question about installing on Linux.
   */
  public String embeddingText() {
    StringBuilder b = new StringBuilder();
    if (!title.isEmpty()) {
      b.append(title);
    }
    for (String h : headings) {
      if (!h.equals(title) && !h.isBlank()) {
        b.append(b.isEmpty() ? "" : " > ").append(h);
      }
    }
    return b.isEmpty() ? text : b.append('\n').append(text).toString();
  }

  /**
   * The text keyword search (BM25) indexes: title, then the headings other than the title, one a
   * line, then the chunk; every index backend indexes the same text so both rank alike.
   */
  public String searchText() {
    StringBuilder b = new StringBuilder();
    if (!title.isEmpty()) {
      b.append(title).append('\n');
    }
    for (String h : headings) {
      if (!h.equals(title)) {
        b.append(h).append('\n');
      }
    }
    return b.append(text).toString();
  }

  /** The heading path joined for display, e.g. {@code "Install > Linux"}. */
  public String headingPath() {
    return String.join(" > ", headings);
  }

  /** {@code found} in the order of {@code ids}, leaving out ids with no chunk (both index backends load by id this way). */
  static List<Chunk> inOrder(List<String> ids, Collection<Chunk> found) {
    Map<String, Chunk> byId = new HashMap<>();
    for (Chunk c : found) {
      byId.put(c.id(), c);
    }
    List<Chunk> out = new ArrayList<>(ids.size());
    for (String id : ids) {
      Chunk c = byId.get(id);
      if (c != null) {
        out.add(c);
      }
    }
    return out;
  }
}
