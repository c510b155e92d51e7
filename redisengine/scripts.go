package redisengine

import (
	_ "embed"

	"github.com/redis/go-redis/v9"
)

// The engine's operations are Lua scripts, so that each is one round trip
// and atomic on the server: a claim's check and its change can never be
// split by another client's call. common.lua holds what they share and
// documents the keys.
var (
	//go:embed lua/common.lua
	commonLua string
	//go:embed lua/post.lua
	postLua string
	//go:embed lua/claim.lua
	claimLua string
	//go:embed lua/renew.lua
	renewLua string
	//go:embed lua/delete.lua
	deleteLua string
	//go:embed lua/retry.lua
	retryLua string
	//go:embed lua/release.lua
	releaseLua string

	postScript    = redis.NewScript(commonLua + postLua)
	claimScript   = redis.NewScript(commonLua + claimLua)
	renewScript   = redis.NewScript(commonLua + renewLua)
	deleteScript  = redis.NewScript(commonLua + deleteLua)
	retryScript   = redis.NewScript(commonLua + retryLua)
	releaseScript = redis.NewScript(commonLua + releaseLua)
)

// Per-message results of the delete and retry scripts, and the claim-level
// one; the numbers are common.lua's.
const (
	statusOK           = 0
	statusExpired      = 1 // the claim given is not live; nobody else holds the message
	statusExpiredOther = 2 // the claim given is not live; another live claim holds it
	statusNotHeld      = 3 // the claim is live but does not hold the message
	statusOther        = 4 // another live claim holds it
	statusGone         = 5 // the message was deleted or expired
	statusUnknownClaim = -1
)

// group is the consumer group every engine of a queue reads with; its
// consumers are claims (see common.lua).
const group = "claimq"
