package publish

import (
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// retryTransport retries, request by request, what go-containerregistry leaves to its retry of
// a whole blob upload: a dropped connection, 429 or 5xx on a request that can be sent again
// (no body, or one it can rewind). Retrying each small request keeps a blob upload, which is
// several requests, from failing as a whole on a flaky network.
type retryTransport struct {
	inner   http.RoundTripper
	backoff remote.Backoff
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	replayable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	// Committing or appending to an upload session is not idempotent: the session may be gone
	// after a lost answer. Those are left to the retry of the whole upload.
	if req.Method != http.MethodGet && req.Method != http.MethodHead && strings.Contains(req.URL.Path, "/blobs/uploads/") {
		replayable = replayable && req.Method == http.MethodPost
	}
	delay := t.backoff.Duration
	for attempt := 1; ; attempt++ {
		r := req
		if attempt > 1 && req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			r = req.Clone(req.Context())
			r.Body = body
		}
		resp, err := t.inner.RoundTrip(r)
		transient := err != nil && req.Context().Err() == nil && dropped(err) ||
			resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented)
		if !transient || !replayable || attempt >= t.backoff.Steps {
			return resp, err
		}
		wait := delay
		if t.backoff.Jitter > 0 {
			wait += time.Duration(rand.Float64() * t.backoff.Jitter * float64(delay))
		}
		if resp != nil {
			if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
				wait = min(time.Duration(s)*time.Second, time.Minute)
			}
			io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
			resp.Body.Close()
		}
		timer := time.NewTimer(wait)
		select {
		case <-req.Context().Done():
			timer.Stop()
			return nil, req.Context().Err()
		case <-timer.C:
		}
		delay = time.Duration(float64(delay) * t.backoff.Factor)
	}
}

// dropped reports whether err is a connection lost midway (reset, closed, timed out), as
// opposed to one that will fail again the same way (a TLS handshake with a plain HTTP server,
// a refused connection, a bad address).
func dropped(err error) bool {
	var ne net.Error
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.As(err, &ne) && ne.Timeout()
}
