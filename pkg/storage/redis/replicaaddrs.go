package redis

import (
	"context"
	"fmt"
	"net"
	"strings"

	goredis "github.com/redis/go-redis/v9"
)

// ReplicaAddrs lists, as host:port, the replicas the Redis client writes to streams to, as that
// primary reports them (INFO replication: slaveN:ip=…,port=…,state=…). They are the Redis a
// failover may promote, with or without Sentinel.
func ReplicaAddrs(ctx context.Context, client goredis.UniversalClient) ([]string, error) {
	info, err := client.Info(ctx, "replication").Result()
	if err != nil {
		return nil, fmt.Errorf("read the replicas of the Redis primary: %w", err)
	}
	var addrs []string
	for _, line := range strings.Split(info, "\n") {
		key, value, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || !strings.HasPrefix(key, "slave") || strings.Trim(key[len("slave"):], "0123456789") != "" || key == "slave" {
			continue
		}
		var ip, port string
		for _, kv := range strings.Split(value, ",") {
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
