#include "nabla/report/html.hpp"

#include <cmath>
#include <cstdio>

namespace nabla::report::html {

std::string escape(const std::string& s) {
  std::string o;
  o.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '<':
        o += "&lt;";
        break;
      case '>':
        o += "&gt;";
        break;
      case '&':
        o += "&amp;";
        break;
      case '"':
        o += "&quot;";
        break;
      case '\'':
        o += "&#39;";
        break;
      default:
        o += c;
    }
  }
  return o;
}

std::string base64(const std::string& in) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[v >> 18], out += kAlphabet[(v >> 12) & 63], out += kAlphabet[(v >> 6) & 63],
        out += kAlphabet[v & 63];
  }
  if (i + 1 == in.size()) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += kAlphabet[v >> 18], out += kAlphabet[(v >> 12) & 63], out += "==";
  } else if (i + 2 == in.size()) {
    const unsigned v =
        (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += kAlphabet[v >> 18], out += kAlphabet[(v >> 12) & 63], out += kAlphabet[(v >> 6) & 63],
        out += '=';
  }
  return out;
}

std::string png_data_uri(const std::string& png) { return "data:image/png;base64," + base64(png); }

std::string num(double v, const char* fmt) {
  if (std::isnan(v)) return "&ndash;";
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

std::string page(const std::string& title, const std::string& body) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" +
         escape(title) +
         "</title>\n<style>\n"
         "body{font-family:sans-serif;margin:24px;color:#222;max-width:1300px}\n"
         "h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}\n"
         "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px "
         "7px;text-align:right}\n"
         "th{background:#f3f3f3}pre{background:#f7f7f7;padding:8px;font-size:12px;overflow:auto}\n"
         ".charts{display:flex;flex-wrap:wrap;gap:12px}.charts "
         "svg{width:520px;max-width:100%;height:auto}\n.wide{display:block}.wide svg{width:100%}\n"
         ".grid{display:flex;flex-wrap:wrap;gap:6px}.cell{text-align:center;font-size:11px;width:"
         "96px}\n"
         ".cell img{width:84px;height:84px;image-rendering:pixelated;border:2px solid #2a2}\n"
         ".cell.bad img{border-color:#d22}.bad .lbl{color:#d22}.lbl{color:#2a2}\n"
         ".cm td{text-align:center;min-width:34px}\n"
         ".scenes{display:flex;flex-wrap:wrap;gap:10px;margin:6px 0}.scene{margin:0;"
         "text-align:center;font-size:11px}\n"
         ".scene img{width:224px;height:224px;image-rendering:pixelated;border:1px solid #999}\n"
         ".seg{display:flex;flex-wrap:wrap;gap:18px}.seg .scene img{width:160px;height:160px}\n"
         ".legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:12px;margin:4px 0}\n"
         ".swatch{display:inline-block;width:12px;height:12px;margin-right:4px;"
         "vertical-align:middle;border:1px solid #555}.absent{color:#a40}\n"
         "</style></head><body>\n<h1>" +
         escape(title) + "</h1>\n" + body + "\n</body></html>\n";
}

}  // namespace nabla::report::html
