package zaqarengine

import (
	"fmt"
	"maps"
	"strings"

	"github.com/claimq/claimq"
	"github.com/google/uuid"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
)

// NewClient returns a gophercloud messaging v2 client for a Zaqar reached
// without Keystone, such as `claimq serve` or a Zaqar with auth_strategy
// noauth: endpoint is the server's base URL (without /v2), token (if any)
// is sent as X-Auth-Token, and clientID as Client-ID on every request;
// an empty clientID means a random UUID, since Zaqar requires a UUID. It
// makes no request. Against a Zaqar with Keystone, build the client with
// openstack.AuthenticatedClient and openstack.NewMessagingV2 instead.
//
// Errors: claimq.ErrInvalid for an endpoint gophercloud cannot use.
func NewClient(endpoint, clientID, token string) (*gophercloud.ServiceClient, error) {
	if !strings.HasPrefix(endpoint, "http://") && !strings.HasPrefix(endpoint, "https://") {
		return nil, fmt.Errorf("zaqarengine: endpoint %q: want an http or https URL: %w", endpoint, claimq.ErrInvalid)
	}
	pc, err := openstack.NewClient(endpoint)
	if err != nil {
		return nil, fmt.Errorf("zaqarengine: endpoint %q: %w: %w", endpoint, claimq.ErrInvalid, err)
	}
	base := strings.TrimSuffix(endpoint, "/") + "/"
	pc.EndpointLocator = func(gophercloud.EndpointOpts) (string, error) { return base, nil }
	if token != "" {
		pc.SetToken(token)
	}
	if clientID == "" {
		clientID = uuid.NewString()
	}
	return openstack.NewMessagingV2(pc, clientID, gophercloud.EndpointOpts{})
}

// WithProject returns a copy of sc that sends project as X-Project-Id
// with every request, which a Zaqar without Keystone requires and
// gophercloud never sends on its own; sc itself is not modified. An
// empty project returns sc. Cost: a copy of sc's extra headers.
func WithProject(sc *gophercloud.ServiceClient, project string) *gophercloud.ServiceClient {
	if project == "" {
		return sc
	}
	c := *sc
	c.MoreHeaders = maps.Clone(sc.MoreHeaders)
	if c.MoreHeaders == nil {
		c.MoreHeaders = map[string]string{}
	}
	c.MoreHeaders["X-Project-Id"] = project
	return &c
}
