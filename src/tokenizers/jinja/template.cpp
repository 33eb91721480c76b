#include "tokenizers/jinja/template.h"

#include "tokenizers/jinja/ast.h"
#include "tokenizers/jinja/parser.h"
#include "tokenizers/jinja/renderer.h"

namespace omni::jinja {

StatusOr<Template> Template::parse(std::string_view source) {
  OMNI_ASSIGN_OR_RETURN(std::unique_ptr<Program> program, parse_program(source));
  return Template(std::shared_ptr<const Program>(std::move(program)));
}

StatusOr<std::string> Template::render(const Value& context, const RenderOptions& options) const {
  if (!context.is_dict())
    return InvalidArgument("the template context must be a dict, not %s", type_name(context));
  Renderer renderer(*program_, context, options);
  return renderer.render();
}

}  // namespace omni::jinja
