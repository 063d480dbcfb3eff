package dev.lading.model;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import java.io.IOException;
import java.util.Set;
import java.util.TreeSet;

/**
 * JSON for the config's {@code ExposedPorts} and {@code Volumes}: a set written as an object whose
 * values are empty objects ({@code {"80/tcp":{}}}), the Go idiom for a set.
 */
final class EmptyObjectSet {
  private EmptyObjectSet() {}

  static final class Serializer extends JsonSerializer<Set<String>> {
    @Override
    public void serialize(Set<String> value, JsonGenerator gen, SerializerProvider provider)
        throws IOException {
      gen.writeStartObject();
      for (String key : new TreeSet<>(value)) {
        gen.writeFieldName(key);
        gen.writeStartObject();
        gen.writeEndObject();
      }
      gen.writeEndObject();
    }
  }

  static final class Deserializer extends JsonDeserializer<Set<String>> {
    @Override
    @SuppressWarnings("unchecked")
    public Set<String> deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      if (p.currentToken() != JsonToken.START_OBJECT) {
        return (Set<String>) ctxt.handleUnexpectedToken(Set.class, p);
      }
      Set<String> keys = new TreeSet<>();
      for (String key = p.nextFieldName(); key != null; key = p.nextFieldName()) {
        keys.add(key);
        p.nextToken();
        // The values carry no meaning (always {}), so skipping them loses nothing.
        p.skipChildren();
      }
      return keys;
    }
  }
}
