package report

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strconv"
)

// Metadata holds the facts a file's format declares (tensor counts,
// dtypes, GGUF general.* keys, imported pickle globals, …). Its values
// have the same Go types in a report built by an audit and in one read
// back with ReadJSON, so that the two compare equal:
//
//   - string and bool;
//   - int64 for every whole number that fits, float64 for other numbers;
//   - []string for a list of strings (an empty list included), []any
//     for any other list, nil for null;
//   - map[string]any for an object, its values following the same rules.
//
// Report.Normalize brings values of other types (int, uint32, float32,
// map[string]int64, …) to these.
type Metadata map[string]any

// String returns the string at key.
func (m Metadata) String(key string) (string, bool) {
	s, ok := m[key].(string)
	return s, ok
}

// Int returns the whole number at key.
func (m Metadata) Int(key string) (int64, bool) {
	n, ok := m[key].(int64)
	return n, ok
}

// Strings returns the list of strings at key.
func (m Metadata) Strings(key string) ([]string, bool) {
	s, ok := m[key].([]string)
	return s, ok
}

// Map returns the object at key ("general" for a GGUF file's general.*
// keys).
func (m Metadata) Map(key string) (map[string]any, bool) {
	v, ok := m[key].(map[string]any)
	return v, ok
}

// UnmarshalJSON reads numbers as int64 when whole, so that a report read
// back holds what the audit wrote.
func (m *Metadata) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil {
		return err
	}
	*m = Metadata(raw).normalize()
	return nil
}

// normalize returns m with every value brought to the types Metadata
// documents; nil stays nil.
func (m Metadata) normalize() Metadata {
	if m == nil {
		return nil
	}
	out := make(Metadata, len(m))
	for k, v := range m {
		out[k] = metadataValue(reflect.ValueOf(v))
	}
	return out
}

// metadataValue converts one value (of any type an audit or the JSON
// decoder produces) to its Metadata type.
func metadataValue(v reflect.Value) any {
	if !v.IsValid() {
		return nil
	}
	if n, ok := v.Interface().(json.Number); ok {
		if i, err := n.Int64(); err == nil {
			return i
		}
		f, _ := n.Float64()
		return wholeOrFloat(f)
	}
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		return metadataValue(v.Elem())
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if u := v.Uint(); u <= math.MaxInt64 {
			return int64(u)
		}
		return wholeOrFloat(float64(v.Uint()))
	case reflect.Float32:
		// The shortest decimal that reads back as the float32, as JSON
		// writes it.
		f, _ := strconv.ParseFloat(strconv.FormatFloat(v.Float(), 'g', -1, 32), 64)
		return wholeOrFloat(f)
	case reflect.Float64:
		return wholeOrFloat(v.Float())
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return nil // JSON null, as the audit wrote it
		}
		items := make([]any, v.Len())
		strs := make([]string, 0, v.Len())
		for i := range items {
			items[i] = metadataValue(v.Index(i))
			if s, ok := items[i].(string); ok {
				strs = append(strs, s)
			}
		}
		if len(strs) == len(items) {
			return strs
		}
		return items
	case reflect.Map:
		out := make(map[string]any, v.Len())
		for it := v.MapRange(); it.Next(); {
			out[it.Key().String()] = metadataValue(it.Value())
		}
		return out
	}
	return v.Interface()
}

// wholeOrFloat returns f as an int64 when it is a whole number that
// fits: JSON does not tell 2.0 from 2.
func wholeOrFloat(f float64) any {
	if f == math.Trunc(f) && f >= math.MinInt64 && f < math.MaxInt64 {
		return int64(f)
	}
	return f
}
