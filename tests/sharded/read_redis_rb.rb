# Reads keys back through redis-rb's own client-side sharding (Debian
# ruby-redis, Redis::Distributed) from real servers. Reads a JSON request on
# stdin ({"servers": [{"host", "port", "alias"}], "keys": [hex]}) and prints
# {"version", "values": [hex or null per key]}. Run by tests/sharded/cross.py.
require 'json'
require 'redis'
require 'redis/distributed'

req = JSON.parse($stdin.read)
configs = req['servers'].map do |s|
  { host: s['host'], port: s['port'], db: 0, id: s['alias'] }
end
dist = Redis::Distributed.new(configs)
values = req['keys'].map do |h|
  v = dist.get([h].pack('H*'))
  v.nil? ? nil : v.unpack1('H*')
end
dist.quit
puts JSON.generate({ 'version' => Redis::VERSION, 'values' => values })
