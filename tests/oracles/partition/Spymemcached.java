// Answers for spymemcached (Debian libspymemcached-java): reads requests on
// stdin, one per line, tab-separated:
//   P name locator hash format      a pool: locator "ketama" or "array-mod",
//                                   hash a DefaultHashAlgorithm without
//                                   "_HASH", format SPYMEMCACHED or LIBMEMCACHED
//   S host ip port weight           a server of the last pool ("-" for none)
//   K hex                           a key, asked of every pool
// and prints {"answers": {pool: [server index or null]}, "refused": {pool:
// [key positions]}}. Each server is a real InetSocketAddress: "host/ip" made
// with InetAddress.getByAddress (no lookup), a literal IP with
// new InetSocketAddress(ip, port) (the libmemcached format's getHostName()
// then asks reverse DNS, as spymemcached does), a host alone unresolved.
// The locator is built over MemcachedNode stand-ins (proxies answering
// getSocketAddress) with weights only when servers carry them, and each key
// asked of getPrimary. A key that is not UTF-8 has no Java String whose
// bytes spymemcached would send: it is refused. Compiled and run by
// tests/oracles/clients.py.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import net.spy.memcached.ArrayModNodeLocator;
import net.spy.memcached.DefaultHashAlgorithm;
import net.spy.memcached.KetamaNodeKeyFormatter;
import net.spy.memcached.KetamaNodeLocator;
import net.spy.memcached.MemcachedNode;
import net.spy.memcached.NodeLocator;

public class Spymemcached {
  static final class Pool {
    String name, locator, hash, format;
    List<MemcachedNode> nodes = new ArrayList<>();
    Map<InetSocketAddress, Integer> weights = new HashMap<>();
  }

  static MemcachedNode node(InetSocketAddress addr) {
    return (MemcachedNode) Proxy.newProxyInstance(
        MemcachedNode.class.getClassLoader(), new Class<?>[] {MemcachedNode.class},
        (proxy, m, args) -> {
          switch (m.getName()) {
            case "getSocketAddress": return addr;
            case "hashCode": return System.identityHashCode(proxy);
            case "equals": return proxy == args[0];
            case "toString": return "node " + addr;
            default: throw new UnsupportedOperationException(m.getName());
          }
        });
  }

  static InetSocketAddress address(String host, String ip, int port) throws Exception {
    if (!ip.equals("-") && !host.equals("-")) {
      return new InetSocketAddress(InetAddress.getByAddress(host, InetAddress.getByName(ip).getAddress()), port);
    }
    if (!ip.equals("-")) {
      return new InetSocketAddress(ip, port);
    }
    return InetSocketAddress.createUnresolved(host, port);
  }

  static byte[] unhex(String h) {
    byte[] b = new byte[h.length() / 2];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
    }
    return b;
  }

  static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20 || c > 0x7e) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }

  public static void main(String[] argv) throws Exception {
    List<Pool> pools = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      String[] f = line.split("\t", -1);
      switch (f[0]) {
        case "P": {
          Pool p = new Pool();
          p.name = f[1]; p.locator = f[2]; p.hash = f[3]; p.format = f[4];
          pools.add(p);
          break;
        }
        case "S": {
          Pool p = pools.get(pools.size() - 1);
          InetSocketAddress a = address(f[1], f[2], Integer.parseInt(f[3]));
          p.nodes.add(node(a));
          if (!f[4].equals("-")) p.weights.put(a, Integer.parseInt(f[4]));
          break;
        }
        default:
          keys.add(f[1]);
      }
    }
    StringBuilder answers = new StringBuilder("{"), refused = new StringBuilder("{");
    for (Pool p : pools) {
      DefaultHashAlgorithm alg = DefaultHashAlgorithm.valueOf(p.hash.toUpperCase() + "_HASH");
      NodeLocator loc = p.locator.equals("array-mod")
          ? new ArrayModNodeLocator(p.nodes, alg)
          : new KetamaNodeLocator(p.nodes, alg, KetamaNodeKeyFormatter.Format.valueOf(p.format), p.weights);
      StringBuilder a = new StringBuilder(), r = new StringBuilder();
      for (int i = 0; i < keys.size(); i++) {
        String key;
        try {
          key = StandardCharsets.UTF_8.newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(unhex(keys.get(i)))).toString();
        } catch (CharacterCodingException e) {
          key = null;
        }
        if (i > 0) a.append(',');
        if (key == null) {
          a.append("null");
          r.append(r.length() > 0 ? "," : "").append(i);
        } else {
          a.append(p.nodes.indexOf(loc.getPrimary(key)));
        }
      }
      answers.append(answers.length() > 1 ? "," : "").append(quote(p.name)).append(":[").append(a).append(']');
      refused.append(refused.length() > 1 ? "," : "").append(quote(p.name)).append(":[").append(r).append(']');
    }
    System.out.println("{\"answers\":" + answers + "},\"refused\":" + refused + "}}");
  }
}
