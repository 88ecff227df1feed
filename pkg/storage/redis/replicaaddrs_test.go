package redis

import (
	"context"
	"slices"
	"strconv"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/netweave-io/netweave/test/redisserver"
)

func TestReplicaAddrs(t *testing.T) {
	ctx := context.Background()
	primary := redisserver.Start(t)
	client := goredis.NewClient(&goredis.Options{Addr: primary.Addr()})
	defer client.Close()
	if addrs, err := ReplicaAddrs(ctx, client); err != nil || len(addrs) != 0 {
		t.Fatalf("replicas of a primary without any: %v %v", addrs, err)
	}
	replica := redisserver.Start(t)
	rc := goredis.NewClient(&goredis.Options{Addr: replica.Addr()})
	defer rc.Close()
	if err := rc.ReplicaOf(ctx, "127.0.0.1", strconv.Itoa(primary.Port())).Err(); err != nil {
		t.Fatal(err)
	}
	if err := primary.WaitReplicas(ctx, 1); err != nil {
		t.Fatal(err)
	}
	addrs, err := ReplicaAddrs(ctx, client)
	if err != nil || !slices.Equal(addrs, []string{replica.Addr()}) {
		t.Errorf("replicas: %v %v, want [%s]", addrs, err, replica.Addr())
	}
}
