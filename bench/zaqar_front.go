package bench

import (
	"net/http"

	"github.com/claimq/claimq/zaqar"
)

// newZaqarHandler returns the HTTP front that -http starts on a loopback
// port: the package's handler with Zaqar's defaults.
func newZaqarHandler() http.Handler {
	return zaqar.NewHandler(zaqar.Options{})
}
