package zaqar

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// slowEnvelope is decodeEnvelope by encoding/json alone, as it was.
func slowEnvelope(body []byte) ([]json.RawMessage, error) {
	var doc map[string]json.RawMessage
	if firstByte(body) != '{' || json.Unmarshal(body, &doc) != nil || doc["messages"] == nil {
		return nil, badBody("No messages were found in the request body.")
	}
	var elems []json.RawMessage
	if firstByte(doc["messages"]) != '[' || json.Unmarshal(doc["messages"], &elems) != nil {
		return nil, badBody(`Document type not supported: "messages" must be an array.`)
	}
	return elems, nil
}

var scanSeeds = []string{
	`{"messages":[]}`, `{"messages":null}`, `{"messages":{}}`, `[]`, `{}`, `{"Messages":[1]}`,
	` { "messages" : [ {"ttl":1,"body":{"a":[1,{"b":"]}\""}]}} , 2 , "x" , null , [ ] ] , "other" : 1 } `,
	`{"messages":[1],"messages":[2,3]}`, `{"m\u0065ssages":[{"body":1}]}`, `{"messages":[{"b\u006fdy":2,"TTL":3}]}`,
	`{"messages":[{"BODY":1,"body":2,"Ttl":-5,"delay":null,"DeLaY":7e1,"x":"\\\""}]}`,
	`{"messages":[{"ttl":1,"body":"\u00e9\\"}, {"body":true} ,{"body":false,"body":[]}]}`,
	`{"a":{"messages":[]},"messages":[{"ſ":1,"K":2,"body":"k"}]}`,
}

func checkScan(t *testing.T, body []byte) {
	if parseJSON(body) != nil {
		return
	}
	want, wantErr := slowEnvelope(body)
	got, err := decodeEnvelope(body)
	if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
		t.Fatalf("%s: error %v; want %v", body, err, wantErr)
	}
	if len(got) != len(want) {
		t.Fatalf("%s: %d elements; want %d", body, len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("%s: element %d is %s; want %s", body, i, got[i], want[i])
		}
		if firstByte(want[i]) != '{' {
			continue
		}
		var we, ge messageElem
		wok := json.Unmarshal(want[i], &we) == nil
		gok := decodeElem(got[i], &ge)
		if wok != gok || !bytes.Equal(we.Body, ge.Body) || !bytes.Equal(we.TTL, ge.TTL) || !bytes.Equal(we.Delay, ge.Delay) ||
			(we.Body == nil) != (ge.Body == nil) || (we.TTL == nil) != (ge.TTL == nil) || (we.Delay == nil) != (ge.Delay == nil) {
			t.Fatalf("%s: element %d decodes to %+v (%v); want %+v (%v)", body, i, ge, gok, we, wok)
		}
	}
}

func TestScanMatchesUnmarshal(t *testing.T) {
	for _, s := range scanSeeds {
		checkScan(t, []byte(s))
	}
}

func FuzzScanMatchesUnmarshal(f *testing.F) {
	for _, s := range scanSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(checkScan)
}

func TestParamMatchesQueryGet(t *testing.T) {
	for _, raw := range []string{
		"", "limit=10", "claim_id=abc&limit=5", "limit=1&limit=2", "limit", "&&limit=3&", "=x&limit=4",
		"limit=%31", "li%6Dit=7", "limit=a+b", "limit=1;x=2", "x=1;&limit=2", "limitx=1&limit=", "a=b=c&limit=b=c",
		strings.Repeat("a=1&", 200) + "limit=9",
	} {
		for _, name := range []string{"limit", "claim_id", "a", "x"} {
			c := &call{r: &http.Request{URL: &url.URL{RawQuery: raw}}}
			want := c.r.URL.Query().Get(name)
			if got := c.param(name); got != want {
				t.Errorf("param(%q) of %q = %q; want %q", name, raw, got, want)
			}
		}
	}
}

func FuzzCompactValid(f *testing.F) {
	for _, s := range scanSeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte(" { \"a b\" : [ 1 ,\t2 ,\r\n\"\\\" x \" ] } "))
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			return
		}
		var want bytes.Buffer
		if err := json.Compact(&want, data); err != nil {
			t.Fatal(err)
		}
		if got := compactValid(nil, data); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("compactValid(%q) = %q; want %q", data, got, want.Bytes())
		}
	})
}
