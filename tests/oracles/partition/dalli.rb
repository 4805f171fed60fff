# Answers for Dalli (Debian ruby-dalli): reads a JSON request on stdin
# ({"pools": [{"name", "servers": [string], "client_keys"?: bool,
# "namespace"?: string}], "keys": [hex]}) and prints {"version", "answers":
# {pool name: [server index per key, or null]}, "refused": {pool name: [key
# index]}}. With client_keys, each key first goes through
# Dalli::KeyManager#validate_key, as Dalli::Client#perform does (a key it
# raises on is refused: an empty key, or a key that is not UTF-8 under a
# namespace that is not ASCII). Each server
# string is parsed by Dalli itself (Dalli::Protocol::Binary.new), and each
# key asked of Dalli::Ring#server_for_key with every server taken as up (no
# connection). Keys that are valid UTF-8 are given as UTF-8 strings, others
# as binary strings. Run by tests/oracles/clients.py.
require 'json'
require 'dalli'

req = JSON.parse($stdin.read)
keys = req['keys'].map do |h|
  k = [h].pack('H*')
  u = k.dup.force_encoding('UTF-8')
  u.valid_encoding? ? u : k
end
answers = {}
refused = {}
req['pools'].each do |pool|
  servers = pool['servers'].map do |s|
    srv = Dalli::Protocol::Binary.new(s)
    srv.define_singleton_method(:alive?) { true }
    srv
  end
  ring = Dalli::Ring.new(servers, threadsafe: false)
  manager = pool['client_keys'] ? Dalli::KeyManager.new(pool['namespace'] ? { namespace: pool['namespace'] } : {}) : nil
  answers[pool['name']] = keys.each_with_index.map do |k, i|
    begin
      k = manager.validate_key(k) if manager
      servers.index { |s| s.equal?(ring.server_for_key(k)) }
    rescue ArgumentError, Encoding::CompatibilityError
      (refused[pool['name']] ||= []) << i
      nil
    end
  end
end
puts JSON.generate({ 'version' => Dalli::VERSION, 'answers' => answers, 'refused' => refused })
