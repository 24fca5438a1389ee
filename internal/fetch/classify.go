package fetch

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
)

// ctxError explains why ctx ended, or returns nil if it has not. Causes
// set by this package become timeouts; anything else came from the
// caller and is CANCELED.
func (f *Fetcher) ctxError(ctx context.Context) *Error {
	if ctx.Err() == nil {
		return nil
	}
	cause := context.Cause(ctx)
	switch {
	case errors.Is(cause, errTotalTimeout):
		return timeoutError(CodeTotalTimeout, "the download took longer than the limit of %s", f.cfg.TotalTimeout)
	case errors.Is(cause, errFirstByteTimeout):
		return timeoutError(CodeFirstByteTimeout, "the origin did not start answering within %s", f.cfg.FirstByteTimeout)
	case errors.Is(cause, errIdleTimeout):
		return timeoutError(CodeIdleTimeout, "the origin sent nothing for %s", f.cfg.IdleTimeout)
	case errors.Is(cause, errClosed):
		return newError(CodeCanceled, "the download was closed before it finished", nil)
	}
	return newError(CodeCanceled, "the fetch was canceled before it finished", cause)
}

// timeoutError builds a timeout error naming its limit.
func timeoutError(code Code, format string, d fmt.Stringer) *Error {
	e := newError(code, fmt.Sprintf(format, d), nil, KeyTimeout, d.String())
	e.Transient = code != CodeTotalTimeout
	return e
}

// roundTripError classifies a failure before the response headers.
// tlsErr is a failed handshake seen by the trace, if any.
func (f *Fetcher) roundTripError(ctx context.Context, err, tlsErr error) *Error {
	if e := f.ctxError(ctx); e != nil {
		if e.Err == nil {
			e.Err = err
		}
		return e
	}
	var fe *Error
	if errors.As(err, &fe) {
		return fe
	}
	var ne net.Error
	timeout := errors.As(err, &ne) && ne.Timeout()
	switch {
	case timeout:
		return newError(CodeConnectTimeout,
			fmt.Sprintf("connecting to the origin took longer than %s", f.cfg.ConnectTimeout), err,
			KeyTimeout, f.cfg.ConnectTimeout.String())
	case tlsErr != nil || isTLSError(err):
		return newError(CodeTLSFailure, "the TLS handshake with the origin failed", firstErr(tlsErr, err))
	case isReset(err):
		return newError(CodeConnectionReset, "the origin reset the connection before answering", err)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return newError(CodeConnectionReset, "the origin closed the connection without answering", err)
	}
	return newError(CodeProtocolError, "the origin's answer is not valid HTTP", err)
}

// isTLSError reports certificate and handshake failures.
func isTLSError(err error) bool {
	var (
		verify   *tls.CertificateVerificationError
		record   tls.RecordHeaderError
		alert    tls.AlertError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
	)
	return errors.As(err, &verify) || errors.As(err, &record) || errors.As(err, &alert) ||
		errors.As(err, &unknown) || errors.As(err, &hostname) || errors.As(err, &invalid)
}

// isReset reports a connection torn down by the peer.
func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNABORTED) ||
		errors.Is(err, syscall.EPIPE)
}
