package publish

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"syscall"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Retries are go-containerregistry's, one layer: each request is tried up to the backoff's
// Steps times by its transport, and an upload or a manifest write, which that transport does not
// repeat, is tried up to Steps times as a whole. These decide what is tried again.

// retryStatusCodes are the answers that say "try again later".
var retryStatusCodes = []int{
	http.StatusRequestTimeout,
	http.StatusTooManyRequests,
	http.StatusInternalServerError,
	http.StatusBadGateway,
	http.StatusServiceUnavailable,
	http.StatusGatewayTimeout,
}

// retryable reports whether a failed attempt is worth repeating: a registry answer that says so
// (one of retryStatusCodes, or a temporary registry error code), or a connection lost midway.
func retryable(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var terr *transport.Error
	if errors.As(err, &terr) {
		return terr.Temporary()
	}
	return dropped(err)
}

// dropped reports whether err is a connection lost midway (reset, closed, timed out), as
// opposed to one that will fail again the same way (a TLS handshake with a plain HTTP server,
// a refused connection, a bad address).
func dropped(err error) bool {
	var ne net.Error
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed) ||
		errors.As(err, &ne) && ne.Timeout()
}
