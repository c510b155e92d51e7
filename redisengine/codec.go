package redisengine

import "encoding/json"

// Codec turns message bodies into the bytes stored in Redis and back. It
// must be safe for concurrent use.
type Codec[T any] interface {
	// Encode returns the stored form of v.
	Encode(v T) ([]byte, error)
	// Decode returns the body stored as b.
	Decode(b []byte) (T, error)
}

// JSON is the default [Codec]: encoding/json.
type JSON[T any] struct{}

// Encode returns json.Marshal(v).
func (JSON[T]) Encode(v T) ([]byte, error) { return json.Marshal(v) }

// Decode unmarshals b into a new T.
func (JSON[T]) Decode(b []byte) (T, error) {
	var v T
	err := json.Unmarshal(b, &v)
	return v, err
}

// Bytes is the [Codec] of []byte bodies, stored as they are; it is the
// default when T is []byte.
type Bytes struct{}

// Encode returns v itself.
func (Bytes) Encode(v []byte) ([]byte, error) { return v, nil }

// Decode returns b itself.
func (Bytes) Decode(b []byte) ([]byte, error) { return b, nil }

func defaultCodec[T any]() Codec[T] {
	if c, ok := any(Bytes{}).(Codec[T]); ok {
		return c
	}
	return JSON[T]{}
}
