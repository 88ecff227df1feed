package redis

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"

	goredis "github.com/redis/go-redis/v9"
)

// ReplicaAddrs lists, as host:port, the replicas the Redis client writes to streams to, as that
// primary reports them (INFO replication: connected_slaves, then slaveN:ip=…,port=…,state=…).
// They are the Redis a failover may promote, with or without Sentinel.
func ReplicaAddrs(ctx context.Context, client goredis.UniversalClient) ([]string, error) {
	info, err := client.Info(ctx, "replication").Result()
	if err != nil {
		return nil, fmt.Errorf("read the replicas of the Redis primary: %w", err)
	}
	n, _ := strconv.Atoi(infoField(info, "connected_slaves"))
	var addrs []string
	for i := range n {
		var ip, port string
		for _, kv := range strings.Split(infoField(info, "slave"+strconv.Itoa(i)), ",") {
			switch k, v, _ := strings.Cut(kv, "="); k {
			case "ip":
				ip = v
			case "port":
				port = v
			}
		}
		if ip != "" && port != "" {
			addrs = append(addrs, net.JoinHostPort(ip, port))
		}
	}
	return addrs, nil
}
