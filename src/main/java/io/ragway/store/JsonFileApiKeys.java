package io.ragway.store;

import io.ragway.config.JsonMappers;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Keys in a JSON file of the data directory ({@code keys.json}), written whole to a temporary
 * file and moved into place under a file lock, so the CLI and a running server can share it.
 *
 * <p>A key reads {@code sk-rgw-<id>-<secret>}: the id finds the record, then the SHA-256 of the
 * secret is compared with {@link MessageDigest#isEqual}, which does not stop at the first
 * differing byte. The secrets are 256 random bits, so a fast hash is enough (as for GitHub's and
 * Stripe's tokens). A server rereads the file when it has changed, at most once a second, so keys
 * created or revoked with the CLI take effect without a restart.
 */
final class JsonFileApiKeys implements ApiKeys {

  static final String PREFIX = "sk-rgw-";
  private static final Duration RECHECK = Duration.ofSeconds(1);

  private record Stored(Key key, byte[] hash) {}

  private final ObjectMapper json = JsonMappers.create();
  private final Path file;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private volatile Map<String, Stored> keys = Map.of();
  private volatile FileTime loadedVersion = FileTime.fromMillis(0);
  private volatile long loadedSize = -1;
  private volatile Instant checkedAt = Instant.EPOCH;

  JsonFileApiKeys(Path file, Clock clock) {
    this.file = file;
    this.clock = clock;
    reload();
  }

  @Override
  public Created create(String tenant, String name, List<String> groups, long rpm, long tpm) {
    byte[] secretBytes = new byte[32];
    random.nextBytes(secretBytes);
    String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(secretBytes);
    byte[] idBytes = new byte[6];
    random.nextBytes(idBytes);
    String id = HexFormat.of().formatHex(idBytes);
    Key key = new Key(id, name, tenant, groups, rpm, tpm, clock.instant(), false);
    update(all -> all.put(id, new Stored(key, sha256(secret))));
    return new Created(key, PREFIX + id + "-" + secret);
  }

  @Override
  public Optional<Key> verify(String presented) {
    if (presented == null || !presented.startsWith(PREFIX)) {
      return Optional.empty();
    }
    int dash = presented.indexOf('-', PREFIX.length());
    if (dash < 0) {
      return Optional.empty();
    }
    String id = presented.substring(PREFIX.length(), dash);
    byte[] hash = sha256(presented.substring(dash + 1));
    refreshIfChanged();
    Stored s = keys.get(id);
    if (s == null) {
      MessageDigest.isEqual(hash, hash); // spend the same time on unknown ids
      return Optional.empty();
    }
    return MessageDigest.isEqual(hash, s.hash()) && !s.key().revoked() ? Optional.of(s.key()) : Optional.empty();
  }

  @Override
  public List<Key> list() {
    reload();
    return keys.values().stream().map(Stored::key).toList();
  }

  @Override
  public boolean revoke(String id) {
    boolean[] found = {false};
    update(all -> {
      Stored s = all.get(id);
      if (s != null) {
        found[0] = true;
        Key k = s.key();
        all.put(id, new Stored(new Key(k.id(), k.name(), k.tenant(), k.groups(), k.rpm(), k.tpm(), k.created(), true), s.hash()));
      }
    });
    return found[0];
  }

  private void refreshIfChanged() {
    Instant now = clock.instant();
    if (Duration.between(checkedAt, now).compareTo(RECHECK) < 0) {
      return;
    }
    checkedAt = now;
    try {
      if (!Files.exists(file)) {
        if (loadedSize != -1) {
          reload();
        }
        return;
      }
      if (!Files.getLastModifiedTime(file).equals(loadedVersion) || Files.size(file) != loadedSize) {
        reload();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  private synchronized void reload() {
    try {
      FileTime version = Files.getLastModifiedTime(file);
      long size = Files.size(file);
      keys = parse(Files.readString(file));
      loadedVersion = version;
      loadedSize = size;
    } catch (NoSuchFileException e) {
      keys = Map.of();
      loadedSize = -1;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the API keys in " + file, e);
    }
  }

  private interface Change {
    void apply(Map<String, Stored> keys);
  }

  /** Read, change and write the file under an exclusive lock, so two writers never lose a key. */
  private synchronized void update(Change change) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Path lockFile = file.resolveSibling(file.getFileName() + ".lock");
      try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
        FileLock lock = ch.lock();
        try {
          Map<String, Stored> all = Files.exists(file) ? parse(Files.readString(file)) : new LinkedHashMap<>();
          change.apply(all);
          Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
          Files.writeString(tmp, render(all), StandardCharsets.UTF_8);
          try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
          } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
          }
        } finally {
          lock.release();
        }
      }
      reload();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the API keys to " + file, e);
    }
  }

  private Map<String, Stored> parse(String text) throws IOException {
    Map<String, Stored> out = new LinkedHashMap<>();
    JsonNode root = json.readTree(text);
    if (root == null || !root.path("keys").isArray()) {
      throw new IOException(file + " is not a ragway keys file (no \"keys\" array)");
    }
    for (JsonNode k : root.get("keys")) {
      List<String> groups = new ArrayList<>();
      k.path("groups").forEach(g -> groups.add(g.asText()));
      Key key = new Key(k.path("id").asText(), k.path("name").asText(""), k.path("tenant").asText(), groups,
          k.path("rpm").asLong(0), k.path("tpm").asLong(0), Instant.parse(k.path("created").asText()),
          k.path("revoked").asBoolean(false));
      out.put(key.id(), new Stored(key, HexFormat.of().parseHex(k.path("sha256").asText())));
    }
    return out;
  }

  private String render(Map<String, Stored> all) throws IOException {
    ObjectNode root = json.createObjectNode().put("version", 1);
    ArrayNode arr = root.putArray("keys");
    for (Stored s : all.values()) {
      Key k = s.key();
      ObjectNode n = arr.addObject().put("id", k.id()).put("name", k.name()).put("tenant", k.tenant());
      k.groups().forEach(n.putArray("groups")::add);
      n.put("rpm", k.rpm()).put("tpm", k.tpm()).put("created", k.created().toString()).put("revoked", k.revoked())
          .put("sha256", HexFormat.of().formatHex(s.hash()));
    }
    return json.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
