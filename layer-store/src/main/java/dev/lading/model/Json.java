package dev.lading.model;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import dev.lading.digest.Digest;
import java.io.IOException;

/**
 * The one JSON mapper for image documents. Output is compact and deterministic (declared property
 * order, sorted map keys) because manifest and config bytes are hashed: the same value must always
 * give the same digest.
 */
public final class Json {
  private Json() {}

  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
      .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
      .disable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
      .addModule(new SimpleModule("lading")
          .addSerializer(Digest.class, new JsonSerializer<>() {
            @Override
            public void serialize(Digest value, JsonGenerator gen, SerializerProvider p)
                throws IOException {
              gen.writeString(value.toString());
            }
          })
          .addDeserializer(Digest.class, new JsonDeserializer<>() {
            @Override
            public Digest deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
              try {
                return Digest.parse(p.getValueAsString());
              } catch (IllegalArgumentException e) {
                throw com.fasterxml.jackson.databind.exc.InvalidFormatException.from(
                    p, e.getMessage(), p.getValueAsString(), Digest.class);
              }
            }
          }))
      .build();

  /** The shared, thread-safe mapper. Do not reconfigure it. */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /** Compact, deterministic UTF-8 JSON bytes of a value. */
  public static byte[] write(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
    }
  }

  /**
   * Reads a document of the given type.
   *
   * @throws InvalidImageException when the bytes are not a valid document of that type
   */
  public static <T> T read(byte[] json, Class<T> type, String what) {
    T value;
    try {
      value = MAPPER.readValue(json, type);
    } catch (com.fasterxml.jackson.databind.exc.ValueInstantiationException e) {
      // A record's constructor rejected the values: its own message says what is wrong, Jackson's
      // wrapper only adds noise.
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new InvalidImageException("invalid " + what + ": " + firstLine(cause.getMessage()), e);
    } catch (IOException e) {
      throw new InvalidImageException("invalid " + what + ": " + firstLine(e.getMessage()), e);
    }
    if (value == null) {
      // Jackson maps the JSON literal null to a null value; callers expect a document.
      throw new InvalidImageException("invalid " + what + ": expected a JSON object, found null");
    }
    return value;
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable JSON";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}
