package redisengine_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/claimq/claimq"
	"github.com/claimq/claimq/redisengine"
	"github.com/redis/go-redis/v9"
)

// BenchmarkEngine measures a message's whole life (post, claim, delete)
// through the engine over loopback, against baselines in the same run:
// the same life in plain stream commands (XADD, XREADGROUP, XACK + XDEL),
// in the in-process claimq.Queue, and a bare round trip (PING). One op is
// one batch; ns/msg divides by its size.
func BenchmarkEngine(b *testing.B) {
	ctx := context.Background()
	for _, batch := range []int{1, 10} {
		b.Run("op=engine/batch="+strconv.Itoa(batch), func(b *testing.B) {
			e := newEngine(b, claimq.SystemClock{}, redisengine.Options[[]byte]{})
			msgs := make([]claimq.Post[[]byte], batch)
			for i := range msgs {
				msgs[i] = claimq.Post[[]byte]{Body: []byte(`{"event":"resize","id":12345}`)}
			}
			req := claimq.ClaimRequest{Limit: batch, TTL: time.Minute}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.Post(ctx, msgs...); err != nil {
					b.Fatal(err)
				}
				l, err := e.Claim(ctx, req)
				if err != nil || len(l.Messages) != batch {
					b.Fatalf("Claim = %d messages, %v; want %d", len(l.Messages), err, batch)
				}
				ids := make([]string, len(l.Messages))
				for i, m := range l.Messages {
					ids[i] = m.ID
				}
				if err := e.Delete(ctx, l.ID, ids...); err != nil {
					b.Fatal(err)
				}
			}
			report(b, batch)
		})
		b.Run("op=plain/batch="+strconv.Itoa(batch), func(b *testing.B) {
			stream := queueName(b, "")
			if err := server.Del(ctx, stream).Err(); err != nil {
				b.Fatal(err)
			}
			if err := server.XGroupCreateMkStream(ctx, stream, "g", "0").Err(); err != nil {
				b.Fatal(err)
			}
			body := []string{"b", `{"event":"resize","id":12345}`}
			b.ReportAllocs()
			for b.Loop() {
				p := server.Pipeline()
				for range batch {
					p.XAdd(ctx, &redis.XAddArgs{Stream: stream, Values: body})
				}
				if _, err := p.Exec(ctx); err != nil {
					b.Fatal(err)
				}
				res, err := server.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: "c", Streams: []string{stream, ">"}, Count: int64(batch), Block: -1}).Result()
				if err != nil || len(res[0].Messages) != batch {
					b.Fatalf("XREADGROUP = %v, %v", res, err)
				}
				ids := make([]string, batch)
				for i, m := range res[0].Messages {
					ids[i] = m.ID
				}
				p = server.Pipeline()
				p.XAck(ctx, stream, "g", ids...)
				p.XDel(ctx, stream, ids...)
				if _, err := p.Exec(ctx); err != nil {
					b.Fatal(err)
				}
			}
			report(b, batch)
		})
	}
	for _, batch := range []int{1, 10} {
		b.Run("op=inprocess/batch="+strconv.Itoa(batch), func(b *testing.B) {
			q := claimq.New(claimq.Options[[]byte]{})
			defer q.Close()
			msgs := make([]claimq.Post[[]byte], batch)
			for i := range msgs {
				msgs[i] = claimq.Post[[]byte]{Body: []byte(`{"event":"resize","id":12345}`)}
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := q.Post(msgs...); err != nil {
					b.Fatal(err)
				}
				c, err := q.Claim(claimq.ClaimOptions{Limit: batch, TTL: time.Minute})
				if err != nil || len(c.Messages) != batch {
					b.Fatalf("Claim = %d messages, %v; want %d", len(c.Messages), err, batch)
				}
				for _, m := range c.Messages {
					if err := q.Delete(m.ID, c.ID); err != nil {
						b.Fatal(err)
					}
				}
			}
			report(b, batch)
		})
	}
	b.Run("op=ping", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := server.Ping(ctx).Err(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func report(b *testing.B, batch int) {
	perMsg := float64(b.Elapsed().Nanoseconds()) / float64(b.N*batch)
	b.ReportMetric(perMsg, "ns/msg")
	b.ReportMetric(1e9/perMsg, "msgs/s")
}
