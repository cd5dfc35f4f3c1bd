// Small helpers for the self-contained HTML pages nabla writes (reports, demos): escaping,
// base64 data URIs, and the shared page frame with its stylesheet.
#pragma once
#include <string>

namespace nabla::report::html {

// &, <, >, " and ' as entities: safe in HTML text, attribute values and SVG/XML alike.
std::string escape(const std::string& s);
std::string base64(const std::string& bytes);
// "data:image/png;base64,..."
std::string png_data_uri(const std::string& png_bytes);
// A complete page: <!DOCTYPE html>, <meta charset>, the stylesheet, <h1>title</h1>, body.
std::string page(const std::string& title, const std::string& body);
// "%.4f"-style formatting without iostream state.
std::string num(double v, const char* fmt = "%.4f");

}  // namespace nabla::report::html
